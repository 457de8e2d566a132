/// The one boundary where secrets are masked. The runner records and judges what really happened; whatever leaves it
/// (a contract's result, a live timeline entry for a trace or `herald tail`) passes through these, with every secret
/// known by then, including those learnt after the entry was recorded.
extension Redactor {
    /// `result` as it may be shown: its timeline, verdicts and infrastructure error masked.
    public func mask(_ result: ContractResult) -> ContractResult {
        var r = result
        // Written back only where masking changed something: a long run whose frames hold no secret keeps sharing
        // its timeline's storage instead of holding a second copy of it.
        var headerNames: [String: Bool] = [:]
        for i in r.timeline.indices where mayChange(r.timeline[i], headerNames: &headerNames) {
            let masked = mask(r.timeline[i])
            if masked != r.timeline[i] { r.timeline[i] = masked }
        }
        r.verdicts = result.verdicts.map(mask)
        r.infrastructureError = result.infrastructureError.map(redact)
        return r
    }

    /// `entry` as it may be shown.
    public func mask(_ entry: TimelineEntry) -> TimelineEntry {
        var e = entry
        switch entry.event {
        case .step(var r):
            r.label = redact(r.label)
            e.event = .step(r)
        case .request(var r):
            r.url = redact(r.url)
            r.headers = r.headers.map(mask)
            r.body = r.body.map { shown($0) }
            e.event = .request(r)
        case .response(var r):
            r.headers = r.headers.map(mask)
            r.body = shown(r.body)
            e.event = .response(r)
        case .frame(let f): e.event = .frame(mask(f))
        case .sent(let f): e.event = .sent(mask(f))
        case .connected(var r):
            r.url = redact(r.url)
            e.event = .connected(r)
        case .disconnected(var r):
            r.reason = redact(r.reason)
            e.event = .disconnected(r)
        case .note(let s): e.event = .note(redact(s))
        }
        return e
    }

    /// `verdict` as it may be shown. The value of a differing field with a secret-looking name is masked in its
    /// evidence and wherever the message quotes it.
    public func mask(_ verdict: Verdict) -> Verdict {
        var v = verdict
        var quoted: [String] = []
        v.evidence = verdict.evidence.map { e in
            var e = e
            e.text = e.text.map { verdict.kind == .command ? shown(tail: $0) : shown($0) }
            e.differences = e.differences.map { d in
                var d = d
                d.expected = redact(d.expected)
                if let actual = d.actual, let name = d.path.split(whereSeparator: { ".[]'\"".contains($0) }).last,
                   isSecretName(String(name)) {
                    quoted.append(actual)
                    d.actual = Redactor.mask
                } else {
                    d.actual = d.actual.map(redact)
                }
                return d
            }
            return e
        }
        // A message written when it is read stays so when there is nothing to mask in it: no secret is known.
        if verdict.messageIsDeferred, quoted.isEmpty, !holdsSecretValues { return v }
        var message = redact(verdict.message)
        for q in quoted where q.count >= 4 { message = message.replacingAll(q, with: Redactor.mask) }
        v.message = message
        return v
    }

    private func mask(_ h: RecordedHeader) -> RecordedHeader {
        RecordedHeader(name: h.name, value: redact(header: h.name, value: h.value))
    }

    private func mask(_ f: FrameRecord) -> FrameRecord {
        var f = f
        f.text = shown(f.text)
        f.headers = f.headers?.map(mask)
        return f
    }
}
