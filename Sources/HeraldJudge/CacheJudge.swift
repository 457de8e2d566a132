import HeraldContract
import HeraldCore

/// One reading of a cache: a Redis key's value (`nil` when the key is absent), or an HTTP resource's answer to a
/// conditional request.
public struct CacheSample: Sendable, Hashable {
    /// When it was read.
    public var at: MonotonicInstant
    /// The value: the key's content (JSON when it parses), or the response body. `nil`: no such key.
    public var value: JSONValue?
    /// The HTTP status (`nil` for a Redis key).
    public var status: Int?
    /// Its timeline position.
    public var seq: Int?
    /// Creates a sample.
    public init(at: MonotonicInstant, value: JSONValue?, status: Int? = nil, seq: Int? = nil) {
        self.at = at
        self.value = value
        self.status = status
        self.seq = seq
    }

    /// The value as a person reads it.
    public var shown: String {
        if status == 304 { return "304 Not Modified (the old copy)" }
        guard let value else { return "no such key" }
        return (status.map { "\($0) " } ?? "") + value.plainText
    }
}

/// A cache expectation with every variable bound.
public struct BoundCacheExpectation: Sendable {
    /// What must become true, rendered.
    public enum Condition: Sendable {
        /// The key is gone.
        case absent
        /// The key exists.
        case present
        /// The key's value matches.
        case equals(Matcher)
        /// A conditional request no longer answers 304, and the fresh body matches (when given).
        case revalidates(body: Matcher?)
    }

    /// Verdict id.
    public var id: String
    /// Contract name.
    public var contract: String
    /// Step label.
    public var step: String
    /// Where it is written.
    public var location: SourceLocation?
    /// Known-gap ticket.
    public var knownGap: String?
    /// What is watched, as a person reads it: `redis key order:7`, `GET /orders/7`.
    public var what: String
    /// What must become true.
    public var condition: Condition
    /// The deadline, from the trigger.
    public var within: Duration

    /// Creates the expectation.
    public init(id: String, contract: String, step: String, location: SourceLocation?, knownGap: String?, what: String,
                condition: Condition, within: Duration) {
        self.id = id
        self.contract = contract
        self.step = step
        self.location = location
        self.knownGap = knownGap
        self.what = what
        self.condition = condition
        self.within = within
    }

    /// Whether `sample` shows the cache invalidated.
    public func holds(_ sample: CacheSample) -> Bool {
        switch condition {
        case .absent: return sample.value == nil
        case .present: return sample.value != nil
        case .equals(let m): return sample.value.map { m.matches($0) } ?? false
        case .revalidates(let body):
            guard let status = sample.status, (200..<300).contains(status) else { return false }
            return body.map { $0.matches(sample.value) } ?? true
        }
    }

    /// The condition in words.
    var expected: String {
        switch condition {
        case .absent: "gone"
        case .present: "present"
        case .equals(let m): "equal to \(m.summary)"
        case .revalidates(let body): "revalidated (not 304 to the old validators)\(body.map { ", with \($0.summary)" } ?? "")"
        }
    }
}

/// Judges cache expectations against the readings taken after the trigger. A pure function, like ``EventJudge``.
public enum CacheJudge {
    /// Judges `expectation` on `samples` (in reading order; `baseline` is the reading taken before the trigger).
    /// Passes when a reading at or before the deadline shows the cache invalidated; fails as `late` when only a later
    /// one does, and as `stale` when none does, with the stale value and when it was last seen as evidence.
    public static func judge(_ e: BoundCacheExpectation, trigger: MonotonicInstant, baseline: CacheSample?,
                             samples: [CacheSample]) -> Verdict {
        let deadline = trigger.advanced(by: e.within)
        let limit = DurationText.format(e.within)
        func ms(_ s: CacheSample) -> Double { trigger.duration(to: s.at).milliseconds }
        func evidence(_ s: CacheSample, _ role: Evidence.Role, _ prefix: String = "") -> Evidence {
            Evidence(role: role, seq: s.seq, sinceTriggerMs: ms(s), text: prefix + s.shown)
        }
        func verdict(_ outcome: Verdict.Outcome, _ reason: Verdict.Reason?, _ message: String, _ evidence: [Evidence],
                     latency: Double? = nil) -> Verdict {
            Verdict(id: e.id, contract: e.contract, step: e.step, kind: .cache,
                    outcome: outcome == .failed && e.knownGap != nil ? .knownGap : outcome,
                    reason: reason, message: message, location: e.location, knownGap: e.knownGap, evidence: evidence,
                    latencyMs: latency)
        }
        let before = baseline.map { [evidence($0, .observed, "before the step: ")] } ?? []
        if let hit = samples.first(where: e.holds) {
            if hit.at <= deadline {
                return verdict(.passed, nil, "\(e.what) \(e.expected) after \(fmt(ms(hit))) ms", before + [evidence(hit, .matched)],
                               latency: ms(hit))
            }
            let lastStale = samples.last { $0.at <= deadline }
            return verdict(.failed, .late, "\(e.what) was \(e.expected) only after \(fmt(ms(hit))) ms, later than the \(limit) limit",
                           before + (lastStale.map { [evidence($0, .nearest, "still stale: ")] } ?? []) + [evidence(hit, .matched)],
                           latency: ms(hit))
        }
        guard let last = samples.last else {
            return verdict(.notRun, .interrupted, "\(e.what) was never read after the step", before)
        }
        let stale = e.condition.isKeyState && baseline?.value == last.value ? " (unchanged since before the step)" : ""
        return verdict(.failed, .stale,
                       "\(e.what) not \(e.expected) within \(limit): still \(last.shown)\(stale), last read at +\(fmt(ms(last))) ms",
                       before + [evidence(last, .nearest, "stale: ")])
    }

}

extension BoundCacheExpectation.Condition {
    var isKeyState: Bool { if case .revalidates = self { false } else { true } }
}

