import HeraldCore

/// What the HTML page needs to know about one contract, worked out once: the shared time axis, entries by timeline
/// position, the actors in order, and which verdicts point at which entries.
struct HTMLContract {
    /// A verdict's evidence pointing at a timeline entry.
    struct Mark {
        /// The verdict's index in `result.verdicts`.
        var verdict: Int
        /// What the entry is to that verdict.
        var role: Evidence.Role
        /// Whether it is a delivery to an actor the event was not meant for.
        var wrongRecipient: Bool
        /// The verdict's kind (an unexpected frame of a `count` is a duplicate).
        var kind: Verdict.Kind
    }

    /// The contract.
    let result: ContractResult
    /// Its position in the run, for element ids.
    let index: Int
    /// The end of the time axis, in milliseconds since `result.origin`.
    let span: Double
    /// Timeline entries by `seq`.
    let bySeq: [Int: TimelineEntry]
    /// For each timeline position, the verdicts whose evidence points at it.
    let marks: [Int: [Mark]]
    /// The declared actors, then any other actor seen on the timeline or in evidence.
    let actors: [String]
    /// When each step began (its first `step` entry), by label.
    let stepStarts: [String: Double]

    init(_ result: ContractResult, index: Int) {
        self.result = result
        self.index = index
        var bySeq: [Int: TimelineEntry] = [:]
        var last = 0.0
        var steps: [String: Double] = [:]
        for e in result.timeline {
            bySeq[e.seq] = e
            let t = result.origin.duration(to: e.at).milliseconds
            last = max(last, t)
            if case .response(let r) = e.event {
                last = max(last, t, (bySeq[r.requestSeq].map { result.origin.duration(to: $0.at).milliseconds } ?? 0) + r.timing.totalMs)
            }
            if case .step(let s) = e.event, steps[s.label] == nil { steps[s.label] = t }
        }
        self.bySeq = bySeq
        self.stepStarts = steps
        span = max(result.duration.milliseconds, last, 1)

        var marks: [Int: [Mark]] = [:]
        for (i, v) in result.verdicts.enumerated() {
            for ev in v.evidence {
                guard let seq = ev.seq else { continue }
                marks[seq, default: []].append(Mark(verdict: i, role: ev.role,
                                                    wrongRecipient: ev.role == .unexpected && v.reason == .wrongRecipient, kind: v.kind))
            }
        }
        self.marks = marks

        var actors = result.actors
        func add(_ a: String?) { if let a, !actors.contains(a) { actors.append(a) } }
        for e in result.timeline { add(e.actor) }
        for v in result.verdicts { for ev in v.evidence { add(ev.actor) } }
        self.actors = actors
    }

    /// Milliseconds from the contract's start to `at`.
    func ms(_ at: MonotonicInstant) -> Double { result.origin.duration(to: at).milliseconds }

    /// Where `ms` lies on the axis, from 0 to 100.
    func pct(_ ms: Double) -> Double { min(max(ms / span * 100, 0), 100) }

    /// The element id of the timeline item for entry `seq`.
    func entryID(_ seq: Int) -> String { "c\(index)-e\(seq)" }

    /// The element id of the card for verdict `i`.
    func verdictID(_ i: Int) -> String { "c\(index)-v\(i)" }

    /// Whether verdict `i` is shown with a card (it did not pass).
    func hasCard(_ i: Int) -> Bool { result.verdicts[i].outcome != .passed }

    /// The instant of a verdict on the axis: the time of its telling evidence (the unexpected, nearest or dropped
    /// one for a failure, the matched one otherwise), else the response or start of its step; `nil` when unknown.
    func verdictTime(_ i: Int) -> Double? {
        let v = result.verdicts[i]
        let order: [Evidence.Role] = v.outcome == .passed
            ? [.matched, .observed, .unexpected, .nearest, .disconnect]
            : [.unexpected, .nearest, .disconnect, .matched, .observed]
        for role in order {
            for ev in v.evidence where ev.role == role {
                if let t = time(of: ev, in: v) { return t }
            }
        }
        guard let start = stepStarts[v.step] else { return nil }
        if [.status, .header, .body, .poll].contains(v.kind) {
            // The step's (last) response, before the next step began.
            let next = stepStarts.values.filter { $0 > start }.min() ?? .infinity
            let responses = result.timeline.filter {
                if case .response = $0.event { let t = ms($0.at); return t >= start && t < next }
                return false
            }
            if let r = responses.last { return ms(r.at) }
        }
        return start
    }

    /// The instant of one piece of evidence: its entry, or its offset from the trigger when another piece of the same
    /// verdict ties the trigger to the timeline.
    func time(of ev: Evidence, in v: Verdict) -> Double? {
        if let seq = ev.seq, let e = bySeq[seq] { return ms(e.at) }
        guard let since = ev.sinceTriggerMs else { return nil }
        for other in v.evidence {
            if let seq = other.seq, let e = bySeq[seq], let s = other.sinceTriggerMs { return ms(e.at) - s + since }
        }
        return nil
    }
}

/// How a verdict or run is shown: its mark and CSS class.
enum HTMLOutcome {
    /// `✔`, `✘`, `~` or `–`.
    static func mark(_ o: Verdict.Outcome) -> String {
        switch o {
        case .passed: "✔"
        case .failed: "✘"
        case .knownGap: "~"
        case .notRun: "–"
        }
    }

    /// `passed`, `failed`, `known-gap`, `not-run`.
    static func css(_ o: Verdict.Outcome) -> String {
        switch o {
        case .passed: "passed"
        case .failed: "failed"
        case .knownGap: "known-gap"
        case .notRun: "not-run"
        }
    }

    /// The words and CSS class of an exit status.
    static func status(_ s: ExitStatus) -> (words: String, css: String) {
        switch s {
        case .passed: ("passed", "passed")
        case .failed: ("failed", "failed")
        case .invalidContract: ("invalid contract", "infrastructure")
        case .infrastructure: ("infrastructure error", "infrastructure")
        }
    }
}
