import HeraldContract
import HeraldCore

/// Judges event expectations against the frames of a timeline. A pure function: the same frames and instant give the
/// same judgement, so it is tested without sockets, and the runner calls it both to know when a step may move on
/// (`final: false`) and to give the verdicts at the end of a contract (`final: true`).
public enum EventJudge {
    /// Judges `expectation`, triggered at `trigger`, at instant `now`.
    ///
    /// - Parameters:
    ///   - frames: every frame received so far, in arrival order (frames before the trigger are ignored).
    ///   - disconnects: connections that closed unexpectedly.
    ///   - final: the run will wait no longer; nothing stays pending. An expectation whose window had not ended is then
    ///     judged on what arrived (a `match` that has not arrived is `not_run`, since its wait was cut short).
    public static func judge(_ expectation: BoundExpectation, trigger: MonotonicInstant, frames: [ObservedFrame],
                             disconnects: [ObservedDisconnect] = [], now: MonotonicInstant, final: Bool) -> Judgement {
        judge(expectation, trigger: trigger, frames: frames, hitsOnly: false, disconnects: disconnects, now: now, final: final)
    }

    /// ``judge(_:trigger:frames:disconnects:now:final:)``; with `hitsOnly`, `frames` are known to be frames for which
    /// ``canDecide(_:trigger:on:)`` holds, which a match then takes as they are instead of matching them again.
    static func judge(_ expectation: BoundExpectation, trigger: MonotonicInstant, frames: [ObservedFrame], hitsOnly: Bool,
                      disconnects: [ObservedDisconnect], now: MonotonicInstant, final: Bool) -> Judgement {
        // When the connection an expectation listens on has dropped, nothing more can arrive on it: its window ends now.
        let dropped = disconnects.contains { expectation.watches($0) && $0.at <= now }
        let now = dropped ? max(now, trigger.advanced(by: expectation.within)) : now
        let j = Judging(e: expectation, trigger: trigger, disconnects: disconnects, now: now, final: final)
        // A plain match, the most common expectation, stops at its first hit: it filters lazily, copying no frames.
        if case .match = expectation.kind, expectation.recipients == nil { return j.match(frames, hitsOnly: hitsOnly) }
        let after = frames.filter { $0.at >= trigger }
        switch expectation.kind {
        case .match:
            return j.recipients(after)
        case .count(let n): return j.count(n, after)
        case .absent: return j.absent(after)
        case .sequence(let items, let strict): return j.sequence(items, strict: strict, after)
        }
    }

    /// Whether `frame` can change the judgement of `expectation` while it is pending: a frame after the trigger, on a
    /// connection the expectation watches, that matches it (for a sequence, one of its events).
    ///
    /// Any other frame leaves a pending judgement pending, so a caller that waits may re-judge only when such a frame
    /// arrives, a watched connection drops, or the deadline of `.pending(until:)` passes, and get the same verdicts as
    /// re-judging everything at every instant.
    public static func canDecide(_ expectation: BoundExpectation, trigger: MonotonicInstant, on frame: ObservedFrame) -> Bool {
        guard frame.at >= trigger else { return false }
        switch expectation.kind {
        case .sequence(let items, _):
            guard expectation.actor == nil || frame.actor == nil || frame.actor == expectation.actor else { return false }
            return items.contains { $0.accepts(frame) }
        case .match where expectation.recipients != nil:
            // Recipients wait out the window whatever arrives.
            return expectation.accepts(frame)
        case .match, .count, .absent:
            return (expectation.actor == nil || frame.actor == expectation.actor) && expectation.accepts(frame)
        }
    }
}

extension BoundExpectation {
    /// Whether `drop` closed a connection this expectation listens on.
    func watches(_ drop: ObservedDisconnect) -> Bool {
        drop.channel == channel && (actor == nil || drop.actor == nil || drop.actor == actor)
    }
}

private struct Judging {
    let e: BoundExpectation
    let trigger: MonotonicInstant
    let disconnects: [ObservedDisconnect]
    let now: MonotonicInstant
    let final: Bool

    init(e: BoundExpectation, trigger: MonotonicInstant, disconnects: [ObservedDisconnect], now: MonotonicInstant, final: Bool) {
        self.e = e
        self.trigger = trigger
        self.disconnects = disconnects
        self.now = now
        self.final = final
    }

    /// The event as a person reads it: what it arrives on (when the contract says) and the matcher.
    var what: String { Self.what(e.subject, e.matcher) }

    static func what(_ subject: Matcher?, _ matcher: Matcher) -> String {
        (subject.map { "\($0.summary) " } ?? "") + matcher.summary
    }

    var deadline: MonotonicInstant { trigger.advanced(by: e.within) }
    var windowOver: Bool { now >= deadline }
    var limit: String { DurationText.format(e.within) }

    func ms(_ f: ObservedFrame) -> Double { trigger.duration(to: f.at).milliseconds }
    func inWindow(_ f: ObservedFrame) -> Bool { f.at <= deadline }
    func watched(_ f: ObservedFrame, channel: String? = nil) -> Bool {
        f.channel == (channel ?? e.channel) && (e.actor == nil || f.actor == e.actor)
    }
    /// A frame on a watched connection that is the expected event (subject and payload).
    func hit(_ f: ObservedFrame) -> Bool { watched(f) && e.accepts(f) }

    func evidence(_ f: ObservedFrame, _ role: Evidence.Role, differences: [FieldDifference] = []) -> Evidence {
        Evidence(role: role, actor: f.actor, channel: f.channel, seq: f.seq, sinceTriggerMs: ms(f), text: f.text, differences: differences)
    }

    func who(_ f: ObservedFrame) -> String { f.actor.map { " to \($0)" } ?? "" }

    func verdict(_ passed: Bool, _ reason: Verdict.Reason?, _ message: String, _ evidence: [Evidence] = [],
                 latency: Double? = nil) -> Verdict {
        verdict(passed, reason, deferred: { message }, evidence, latency: latency, defers: false)
    }

    /// ``verdict(_:_:_:_:latency:)`` with a message written when it is read, when the verdict stays a pass; `defers`
    /// says whether to keep it so.
    func verdict(_ passed: Bool, _ reason: Verdict.Reason?, deferred: @escaping @Sendable () -> String,
                 _ evidence: [Evidence] = [], latency: Double? = nil, defers: Bool = true) -> Verdict {
        if defers, passed, !(isAbsent && relevantDisconnect != nil), !slow(latency) {
            return Verdict(id: e.id, contract: e.contract, step: e.step, kind: e.verdictKind, outcome: .passed,
                           deferredMessage: deferred, location: e.location, knownGap: e.knownGap, evidence: evidence,
                           latencyMs: latency, latencyLimits: e.latencyLimits.isEmpty ? nil : e.latencyLimits)
        }
        var passed = passed
        var message = deferred()
        var reason = reason
        var evidence = evidence
        if passed, case .absent = e.kind, relevantDisconnect != nil {
            // Quiet on a closed connection proves nothing.
            passed = false
            message = "\(what) could not be watched for the whole \(limit) window"
        }
        if passed, e.judgesLatency, let latency, let tightest = e.latencyLimits.min(by: { $0.ms < $1.ms }), latency > tightest.ms {
            // One delivery is every percentile of itself.
            passed = false
            reason = .slow
            message = "\(what) arrived\(evidence.first?.actor.map { " to \($0)" } ?? "") after \(fmt(latency)) ms, slower than its latency: "
                + "\(tightest.name) \(tightest.limitText)"
        }
        if !passed, let drop = relevantDisconnect {
            reason = .connectionDropped
            message += "; the connection\(drop.actor.map { " of \($0)" } ?? "") on '\(drop.channel)' dropped at +\(fmt(trigger.duration(to: drop.at).milliseconds)) ms (\(drop.detail))"
            evidence.append(Evidence(role: .disconnect, actor: drop.actor, channel: drop.channel,
                                     sinceTriggerMs: trigger.duration(to: drop.at).milliseconds, text: drop.detail))
        }
        return Verdict(id: e.id, contract: e.contract, step: e.step, kind: e.verdictKind,
                       outcome: passed ? .passed : (e.knownGap != nil ? .knownGap : .failed),
                       reason: passed ? nil : reason, message: message, location: e.location, knownGap: e.knownGap,
                       evidence: evidence, latencyMs: latency, latencyLimits: e.latencyLimits.isEmpty ? nil : e.latencyLimits)
    }

    var isAbsent: Bool { if case .absent = e.kind { true } else { false } }

    /// Whether a delivery after `latency` ms is slower than the tightest bound that this run judges.
    func slow(_ latency: Double?) -> Bool {
        guard e.judgesLatency, let latency, let tightest = e.latencyLimits.min(by: { $0.ms < $1.ms }) else { return false }
        return latency > tightest.ms
    }

    var relevantDisconnect: ObservedDisconnect? {
        disconnects.first { d in e.watches(d) && d.at <= max(now, deadline) }
    }

    func notRun() -> Judgement {
        .decided(Verdict(id: e.id, contract: e.contract, step: e.step, kind: e.verdictKind, outcome: .notRun,
                         reason: .interrupted, message: "the run stopped before the \(limit) window ended",
                         location: e.location, knownGap: e.knownGap), matched: nil)
    }

    /// The frame that came closest to matching, with its differences.
    func nearest(_ frames: [ObservedFrame], _ matcher: Matcher) -> Evidence? {
        var best: (ObservedFrame, Double)?
        for f in frames {
            let c = matcher.closeness(f.value)
            if best == nil || c > best!.1 { best = (f, c) }
        }
        guard let (f, _) = best else { return nil }
        return evidence(f, .nearest, differences: matcher.differences(f.value))
    }

    func nearestNote(_ ev: Evidence?) -> String {
        guard let ev else { return "; no frame arrived on '\(e.channel)'\(e.actor.map { " for \($0)" } ?? "")" }
        let diffs = ev.differences.prefix(3).map(\.description).joined(separator: "; ")
        return "; nearest frame\(ev.actor.map { " (\($0))" } ?? "") at +\(fmt(ev.sinceTriggerMs ?? 0)) ms differed: \(diffs)"
    }

    // MARK: match

    func match(_ frames: [ObservedFrame], hitsOnly: Bool = false) -> Judgement {
        let candidates = frames.lazy.filter { $0.at >= trigger && watched($0) }
        // By index, so that the frames passed over are read in place, not copied. A hit (after the trigger, on a
        // watched connection, accepted: what canDecide checked) is not matched again.
        let first = hitsOnly ? frames.indices.first : frames.indices.first { frames[$0].at >= trigger && hit(frames[$0]) }
        if let hit = first.map({ frames[$0] }) {
            if inWindow(hit) {
                // The message of a pass is written when a report reads it: most of a run's verdicts pass.
                let (subject, matcher, to, latency) = (e.subject, e.matcher, who(hit), ms(hit))
                return .decided(verdict(true, nil, deferred: { "\(Self.what(subject, matcher)) arrived\(to) after \(fmt(latency)) ms" },
                                        [evidence(hit, .matched)], latency: latency), matched: hit)
            }
            if windowOver || final {
                return .decided(verdict(false, .late, "\(what) arrived\(who(hit)) after \(fmt(ms(hit))) ms, later than the \(limit) limit",
                                        [evidence(hit, .matched)], latency: ms(hit)), matched: hit)
            }
        }
        if !windowOver {
            return final ? notRun() : .pending(until: deadline)
        }
        let near = nearest(Array(candidates.filter(inWindow)), e.matcher)
        return .decided(verdict(false, .missing, "no \(what) arrived within \(limit)" + nearestNote(near),
                                near.map { [$0] } ?? []), matched: nil)
    }

    // MARK: recipients

    func recipients(_ frames: [ObservedFrame]) -> Judgement {
        if !windowOver {
            // A wrong recipient can still arrive: wait out the window (without looking at the frames: a busy stream
            // offers many, each of which asks again).
            return final ? notRun() : .pending(until: deadline)
        }
        let expected = e.recipients ?? []
        let matching = frames.filter { e.accepts($0) }
        let inTime = matching.filter(inWindow)
        var evidence: [Evidence] = []
        var problems: [String] = []
        var reason: Verdict.Reason?
        var firstHit: ObservedFrame?
        var latency: Double?
        for actor in expected {
            if let hit = inTime.first(where: { $0.actor == actor }) {
                evidence.append(self.evidence(hit, .matched))
                firstHit = firstHit ?? hit
                latency = max(latency ?? 0, ms(hit))
            } else if let late = matching.first(where: { $0.actor == actor }) {
                evidence.append(self.evidence(late, .matched))
                problems.append("\(actor) received it late, after \(fmt(ms(late))) ms (limit \(limit))")
                reason = reason ?? .late
            } else {
                let near = nearest(frames.filter { $0.channel == e.channel && $0.actor == actor && inWindow($0) }, e.matcher)
                if let near { evidence.append(near) }
                problems.append("\(actor) did not receive it within \(limit)")
                reason = reason ?? .missing
            }
        }
        let wrong = inTime.filter { f in !expected.contains(f.actor ?? "") }
        if !wrong.isEmpty {
            reason = .wrongRecipient
            let names = Array(Set(wrong.compactMap(\.actor))).sorted()
            problems.insert("wrong recipient: \(names.joined(separator: ", ")) also received it (at +\(fmt(ms(wrong[0]))) ms: \(wrong[0].text))", at: 0)
            evidence.insert(contentsOf: wrong.map { self.evidence($0, .unexpected) }, at: 0)
        }
        if problems.isEmpty {
            return .decided(verdict(true, nil, "\(what) reached exactly \(expected.joined(separator: ", "))",
                                    evidence, latency: latency), matched: firstHit)
        }
        return .decided(verdict(false, reason, "\(what): " + problems.joined(separator: "; "), evidence, latency: latency),
                        matched: firstHit)
    }

    // MARK: count

    func count(_ n: Int, _ frames: [ObservedFrame]) -> Judgement {
        if !windowOver { return final ? notRun() : .pending(until: deadline) }
        let matching = frames.filter { hit($0) && inWindow($0) }
        var groups: [String?: [ObservedFrame]] = [:]
        for f in matching { groups[f.actor, default: []].append(f) }
        if let actor = e.actor, groups[actor] == nil { groups[actor] = [] }
        if groups.isEmpty { groups[nil] = [] }
        for key in groups.keys.sorted(by: { ($0 ?? "") < ($1 ?? "") }) {
            let got = groups[key]!
            let whose = key.map { " for \($0)" } ?? ""
            if got.count > n {
                return .decided(verdict(false, .duplicate,
                                        "expected \(n) × \(what)\(whose) within \(limit), got \(got.count) (duplicates at \(got.map { "+\(fmt(ms($0))) ms" }.joined(separator: ", ")))",
                                        got.map { evidence($0, $0 == got.first ? .matched : .unexpected) }), matched: got.first)
            }
            if got.count < n {
                // Matching frames after the window: the events came, only too late.
                let late = frames.filter { $0.actor == key && hit($0) && $0.at > deadline }
                if !late.isEmpty {
                    return .decided(verdict(false, .late,
                                            "expected \(n) × \(what)\(whose) within \(limit), got \(got.count) in time and \(late.count) late (at \(late.map { "+\(fmt(ms($0))) ms" }.joined(separator: ", ")))",
                                            got.map { evidence($0, .matched) } + late.map { evidence($0, .observed) }, latency: ms(late[0])),
                                    matched: got.first)
                }
                let near = got.isEmpty ? nearest(frames.filter { watched($0) && inWindow($0) }, e.matcher) : nil
                return .decided(verdict(false, got.isEmpty ? .missing : .tooFew,
                                        "expected \(n) × \(what)\(whose) within \(limit), got \(got.count)" + (got.isEmpty ? nearestNote(near) : ""),
                                        got.map { evidence($0, .matched) } + (near.map { [$0] } ?? [])), matched: got.first)
            }
        }
        let all = groups.values.flatMap { $0 }.sorted { $0.at < $1.at }
        return .decided(verdict(true, nil, "\(n) × \(what) within \(limit)", all.map { evidence($0, .matched) },
                                latency: all.first.map(ms)), matched: all.first)
    }

    // MARK: absent

    func absent(_ frames: [ObservedFrame]) -> Judgement {
        let hits = frames.filter { hit($0) && inWindow($0) }
        if let first = hits.first {
            return .decided(verdict(false, .unexpected, "\(what) must not arrive within \(limit), but it arrived\(who(first)) after \(fmt(ms(first))) ms",
                                    hits.map { evidence($0, .unexpected) }), matched: nil)
        }
        if !windowOver { return final ? notRun() : .pending(until: deadline) }
        return .decided(verdict(true, nil, "no \(what) within \(limit)"), matched: nil)
    }

    // MARK: sequence

    func sequence(_ items: [BoundExpectation.Item], strict: Bool, _ frames: [ObservedFrame]) -> Judgement {
        let channels = Set(items.map(\.channel))
        let relevant = frames.filter { channels.contains($0.channel) && inWindow($0) }
        // Evaluate per connection: the watched actor, or each actor (shared connections are `nil`).
        var actors: [String?] = e.actor.map { [$0] } ?? Array(Set(relevant.map(\.actor))).sorted { ($0 ?? "") < ($1 ?? "") }
        if actors.isEmpty { actors = [nil] }
        var best: (found: [ObservedFrame], actor: String?)?
        for actor in actors {
            // Shared connections (no actor) belong to every actor's view.
            let stream = relevant.filter { $0.actor == actor || $0.actor == nil }
            let found = strict ? strictMatch(items, stream) : greedyMatch(items, stream)
            if found.count == items.count {
                let last = found.last!
                let whose = actor.map { " for \($0)" } ?? ""
                return .decided(verdict(true, nil, "\(items.count) events in order\(whose), last after \(fmt(ms(last))) ms",
                                        found.map { evidence($0, .matched) }, latency: ms(last)), matched: found.first)
            }
            if best == nil || found.count > best!.found.count { best = (found, actor) }
        }
        if !windowOver { return final ? notRun() : .pending(until: deadline) }
        let (found, actor) = best ?? ([], nil)
        let stream = relevant.filter { $0.actor == actor || $0.actor == nil }
        let whose = actor.map { " for \($0)" } ?? ""
        // Did every event arrive, only in another order (or with others between, for strict)?
        let present = items.map { item in stream.first { item.accepts($0) } }
        if present.allSatisfy({ $0 != nil }) {
            let arrived = present.compactMap { $0 }.sorted { $0.seq < $1.seq }
            let order = arrived.map { f in items.firstIndex { $0.accepts(f) }.map { items[$0].matcher.summary } ?? f.text }
            let inOrder = strict && greedyMatch(items, stream).count == items.count
            let message = inOrder
                ? "the events arrived\(whose) in order but not back to back (strict): other events came between"
                : "the events arrived\(whose) out of order: \(order.joined(separator: " → "))"
            return .decided(verdict(false, .outOfOrder, "expected " + items.map(\.matcher.summary).joined(separator: " → ") + "; " + message,
                                    arrived.map { evidence($0, .observed) }), matched: nil)
        }
        let missingIndex = found.count
        let near = nearest(stream.filter { $0.channel == items[missingIndex].channel }, items[missingIndex].matcher)
        return .decided(verdict(false, .missing,
                                "sequence broke at event \(missingIndex + 1) of \(items.count)\(whose): no \(items[missingIndex].matcher.summary) within \(limit)" + nearestNote(near),
                                found.map { evidence($0, .matched) } + (near.map { [$0] } ?? [])), matched: nil)
    }

    func greedyMatch(_ items: [BoundExpectation.Item], _ stream: [ObservedFrame]) -> [ObservedFrame] {
        var found: [ObservedFrame] = []
        var i = 0
        for f in stream where i < items.count {
            if items[i].accepts(f) {
                found.append(f)
                i += 1
            }
        }
        return found
    }

    func strictMatch(_ items: [BoundExpectation.Item], _ stream: [ObservedFrame]) -> [ObservedFrame] {
        var best: [ObservedFrame] = []
        for start in stream.indices where items[0].accepts(stream[start]) {
            var found: [ObservedFrame] = []
            var k = start
            for item in items {
                // Only frames on the item's channels count as "between".
                guard k < stream.count, item.accepts(stream[k]) else { break }
                found.append(stream[k])
                k += 1
            }
            if found.count > best.count { best = found }
            if best.count == items.count { break }
        }
        return best
    }
}

func fmt(_ ms: Double) -> String {
    ms < 10 ? String(Double(Int(ms * 10)) / 10) : String(Int(ms.rounded()))
}
