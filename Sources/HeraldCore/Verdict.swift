/// The judgement of one expectation: passed, failed, or failed as a declared known gap.
public struct Verdict: Sendable, Codable, Hashable {
    /// The outcome of an expectation.
    public enum Outcome: String, Sendable, Codable, Hashable, CaseIterable {
        /// It held.
        case passed
        /// It did not hold.
        case failed
        /// It did not hold, and the contract declares this as a known defect (`known_gap`).
        case knownGap = "known_gap"
        /// It could not be judged: the run stopped (infrastructure error or interrupt) before it.
        case notRun = "not_run"
    }

    /// Which assertion this is.
    public enum Kind: String, Sendable, Codable, Hashable, CaseIterable {
        /// HTTP status.
        case status
        /// An HTTP response header.
        case header
        /// A JSONPath assertion on a response body.
        case body
        /// A poll reached its condition (and saw the declared values).
        case poll
        /// A matching event arrived in time.
        case match
        /// Events arrived in order.
        case sequence
        /// Exactly N matching events arrived.
        case count
        /// No matching event arrived during the quiet window.
        case absent
        /// The matching event reached exactly the intended actors.
        case recipients
        /// A shell step exited 0.
        case command
        /// A channel connection stayed up.
        case connection
        /// The step itself could be run: every variable it uses had a value.
        case step
        /// A cache was invalidated: a Redis key changed or went away, or an HTTP resource revalidated.
        case cache
        /// An SQL query ran, and its rows (and their count) matched.
        case query
    }

    /// Why an expectation failed, in words CI dashboards can group by.
    public enum Reason: String, Sendable, Codable, Hashable {
        /// A value differed.
        case mismatch
        /// No matching event arrived.
        case missing
        /// A matching event arrived, but after the timeout.
        case late
        /// Events arrived in another order.
        case outOfOrder = "out-of-order"
        /// More matching events than expected.
        case duplicate
        /// Fewer matching events than expected (and at least one).
        case tooFew = "too-few"
        /// An event that must not happen happened.
        case unexpected
        /// A matching event reached an actor it was not meant for.
        case wrongRecipient = "wrong-recipient"
        /// A poll's condition did not hold before its deadline.
        case timeout
        /// The connection a channel needed dropped.
        case connectionDropped = "connection-dropped"
        /// The run stopped before this could be judged.
        case interrupted
        /// A step used a variable that had no value (a capture that never happened, say).
        case unresolved
        /// A cache still served the old value when its deadline passed.
        case stale
        /// A matching event arrived in time, but slower than the expectation's `latency:` allows.
        case slow
        /// The database refused an SQL query (a syntax error, an unknown table or column): its message says why.
        case queryFailed = "query-failed"
    }

    /// The fields, in one box shared by copies until one changes.
    private struct Fields: Sendable {
        var id: String
        var contract: String
        var step: String
        var kind: Kind
        var outcome: Outcome
        var reason: Reason?
        var message: String
        /// Writes the message when it is read, in place of `message` (a pass's, which most runs never show).
        var deferredMessage: (@Sendable () -> String)?
        var location: SourceLocation?
        var knownGap: String?
        var evidence: [Evidence]
        var latencyMs: Double?
        var latencyLimits: [LatencyLimit]?
    }

    /// A verdict is handed from its judge through the runner's slots to the result: held in a box shared by its copies
    /// until one of them changes (copy on write), each hand-over is one reference count, not a copy of its strings.
    private var storage: CopyOnWrite<Fields>

    /// A stable id: `contract › step N › kind #i`.
    public var id: String { get { storage.fields.id } set { storage.fields.id = newValue } }
    /// The contract's name.
    public var contract: String { get { storage.fields.contract } set { storage.fields.contract = newValue } }
    /// The step's label.
    public var step: String { get { storage.fields.step } set { storage.fields.step = newValue } }
    /// What kind of assertion.
    public var kind: Kind { get { storage.fields.kind } set { storage.fields.kind = newValue } }
    /// The outcome.
    public var outcome: Outcome { get { storage.fields.outcome } set { storage.fields.outcome = newValue } }
    /// Why it failed, when it did.
    public var reason: Reason? { get { storage.fields.reason } set { storage.fields.reason = newValue } }
    /// One sentence a person can read.
    public var message: String {
        get { storage.fields.deferredMessage?() ?? storage.fields.message }
        set {
            storage.fields.message = newValue
            storage.fields.deferredMessage = nil
        }
    }
    /// Where the expectation is written.
    public var location: SourceLocation? { get { storage.fields.location } set { storage.fields.location = newValue } }
    /// Whether the message is written only when it is read (``init(id:contract:step:kind:outcome:reason:deferredMessage:location:knownGap:evidence:latencyMs:latencyLimits:)``).
    var messageIsDeferred: Bool { storage.fields.deferredMessage != nil }
    /// The ticket of a declared known gap.
    public var knownGap: String? { get { storage.fields.knownGap } set { storage.fields.knownGap = newValue } }
    /// The frames, values and differences that support the verdict.
    public var evidence: [Evidence] {
        get { storage.fields.evidence }
        _modify { yield &storage.fields.evidence }
    }
    /// Trigger→delivery time of the matching event, when there is one.
    public var latencyMs: Double? { get { storage.fields.latencyMs } set { storage.fields.latencyMs = newValue } }
    /// The expectation's `latency:` bounds: checked on each delivery in a plain run, and on the percentiles of its
    /// deliveries at each level of a load run.
    public var latencyLimits: [LatencyLimit]? {
        get { storage.fields.latencyLimits }
        _modify { yield &storage.fields.latencyLimits }
    }

    /// Creates a verdict.
    public init(id: String, contract: String, step: String, kind: Kind, outcome: Outcome, reason: Reason? = nil,
                message: String, location: SourceLocation? = nil, knownGap: String? = nil,
                evidence: [Evidence] = [], latencyMs: Double? = nil, latencyLimits: [LatencyLimit]? = nil) {
        storage = CopyOnWrite(Fields(id: id, contract: contract, step: step, kind: kind, outcome: outcome, reason: reason,
                                     message: message, location: location, knownGap: knownGap, evidence: evidence,
                                     latencyMs: latencyMs, latencyLimits: latencyLimits))
    }

    /// Creates a verdict whose message `message` writes each time it is read (until it is set): for a judge whose
    /// passes are many and whose messages few people read. `message` must give the same text every time.
    public init(id: String, contract: String, step: String, kind: Kind, outcome: Outcome, reason: Reason? = nil,
                deferredMessage message: @escaping @Sendable () -> String, location: SourceLocation? = nil,
                knownGap: String? = nil, evidence: [Evidence] = [], latencyMs: Double? = nil,
                latencyLimits: [LatencyLimit]? = nil) {
        self.init(id: id, contract: contract, step: step, kind: kind, outcome: outcome, reason: reason, message: "",
                  location: location, knownGap: knownGap, evidence: evidence, latencyMs: latencyMs, latencyLimits: latencyLimits)
        storage.fields.deferredMessage = message
    }
}

extension Verdict {
    private enum CodingKeys: String, CodingKey {
        case id, contract, step, kind, outcome, reason, message, location, knownGap, evidence, latencyMs, latencyLimits
    }

    /// Encodes the fields under their names, an absent optional left out.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(contract, forKey: .contract)
        try c.encode(step, forKey: .step)
        try c.encode(kind, forKey: .kind)
        try c.encode(outcome, forKey: .outcome)
        try c.encodeIfPresent(reason, forKey: .reason)
        try c.encode(message, forKey: .message)
        try c.encodeIfPresent(location, forKey: .location)
        try c.encodeIfPresent(knownGap, forKey: .knownGap)
        try c.encode(evidence, forKey: .evidence)
        try c.encodeIfPresent(latencyMs, forKey: .latencyMs)
        try c.encodeIfPresent(latencyLimits, forKey: .latencyLimits)
    }

    /// Decodes what ``encode(to:)`` writes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id), contract: try c.decode(String.self, forKey: .contract),
                  step: try c.decode(String.self, forKey: .step), kind: try c.decode(Kind.self, forKey: .kind),
                  outcome: try c.decode(Outcome.self, forKey: .outcome), reason: try c.decodeIfPresent(Reason.self, forKey: .reason),
                  message: try c.decode(String.self, forKey: .message),
                  location: try c.decodeIfPresent(SourceLocation.self, forKey: .location),
                  knownGap: try c.decodeIfPresent(String.self, forKey: .knownGap),
                  evidence: try c.decode([Evidence].self, forKey: .evidence),
                  latencyMs: try c.decodeIfPresent(Double.self, forKey: .latencyMs),
                  latencyLimits: try c.decodeIfPresent([LatencyLimit].self, forKey: .latencyLimits))
    }

    /// Equal when every field is.
    public static func == (a: Verdict, b: Verdict) -> Bool {
        if a.storage.sharesBox(with: b.storage) { return true }
        let x = a.storage.fields, y = b.storage.fields
        return x.id == y.id && x.contract == y.contract && x.step == y.step && x.kind == y.kind && x.outcome == y.outcome
            && x.reason == y.reason && a.message == b.message && x.location == y.location && x.knownGap == y.knownGap
            && x.evidence == y.evidence && x.latencyMs == y.latencyMs && x.latencyLimits == y.latencyLimits
    }

    /// Hashes every field.
    public func hash(into hasher: inout Hasher) {
        let s = storage.fields
        hasher.combine(s.id)
        hasher.combine(s.contract)
        hasher.combine(s.step)
        hasher.combine(s.kind)
        hasher.combine(s.outcome)
        hasher.combine(s.reason)
        hasher.combine(message)
        hasher.combine(s.location)
        hasher.combine(s.knownGap)
        hasher.combine(s.evidence)
        hasher.combine(s.latencyMs)
        hasher.combine(s.latencyLimits)
    }
}

/// A bound on a percentile of an expectation's trigger→delivery latency: `latency: { p95: 200ms, max: 1s }`.
public struct LatencyLimit: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The percentile, 0–100 exclusive, or 100 for the maximum.
    public var percentile: Double
    /// The most it may be, in milliseconds.
    public var ms: Double

    /// Creates a bound.
    public init(percentile: Double, ms: Double) {
        self.percentile = percentile
        self.ms = ms
    }

    /// The percentile's name: `p95`, `p99.9`, `max`.
    public var name: String {
        if percentile == 100 { return "max" }
        return percentile == percentile.rounded() ? "p\(Int(percentile))" : "p\(percentile)"
    }

    /// Reads what ``description`` wrote (`p95<=200ms`, `max<=1000ms`, `p99<=5us`).
    public init?(written: String) {
        let parts = written.split(separator: "<=")
        guard parts.count == 2 else { return nil }
        let value = parts[1]
        if value.hasSuffix("us"), let us = Double(value.dropLast(2)) {
            ms = us / 1000
        } else if value.hasSuffix("ms"), let ms = Double(value.dropLast(2)) {
            self.ms = ms
        } else if value.hasSuffix("s"), let s = Double(value.dropLast()) {
            ms = s * 1000
        } else {
            return nil
        }
        guard let p = Self.percentile(named: String(parts[0])) else { return nil }
        percentile = p
    }

    /// The percentile a name stands for: `p95` → 95, `p99.9` → 99.9, `max` → 100; `nil` for anything else (`p0`,
    /// `p100`, `median`). The inverse of ``name``, shared by `latency:` and thresholds.
    public static func percentile(named name: String) -> Double? {
        if name == "max" { return 100 }
        guard name.hasPrefix("p"), let p = Double(name.dropFirst()), p > 0, p < 100 else { return nil }
        return p
    }

    /// The bound with its unit: `200ms`, `12.5ms`, `2s` in whole seconds, or `5us` below a millisecond.
    public var limitText: String {
        func trimmed(_ v: Double) -> String { v == v.rounded() ? "\(Int(v))" : "\(v)" }
        if ms < 1 { return trimmed((ms * 1000 * 1000).rounded() / 1000) + "us" }
        if ms >= 1000, (ms / 1000).rounded() == ms / 1000 { return trimmed(ms / 1000) + "s" }
        return trimmed(ms) + "ms"
    }

    /// `p95<=200ms`, as a threshold would be written.
    public var description: String { "\(name)<=\(limitText)" }
}

/// Something that supports a verdict: a frame that arrived (or almost matched), a value seen, a difference.
public struct Evidence: Sendable, Codable, Hashable {
    /// What the evidence is.
    public enum Role: String, Sendable, Codable, Hashable {
        /// The frame that satisfied the expectation.
        case matched
        /// A frame that should not have arrived (wrong recipient, duplicate, during a quiet window).
        case unexpected
        /// The frame that came closest to matching.
        case nearest
        /// A value a poll or a response showed.
        case observed
        /// A channel connection dropped.
        case disconnect
    }

    /// What the evidence is.
    public var role: Role
    /// The actor whose connection saw it.
    public var actor: String?
    /// The channel.
    public var channel: String?
    /// The timeline position of the entry.
    public var seq: Int?
    /// Milliseconds since the trigger.
    public var sinceTriggerMs: Double?
    /// The frame or value as text.
    public var text: String?
    /// For a nearest match: the fields that differed.
    public var differences: [FieldDifference]

    /// Creates evidence.
    public init(role: Role, actor: String? = nil, channel: String? = nil, seq: Int? = nil,
                sinceTriggerMs: Double? = nil, text: String? = nil, differences: [FieldDifference] = []) {
        self.role = role
        self.actor = actor
        self.channel = channel
        self.seq = seq
        self.sinceTriggerMs = sinceTriggerMs
        self.text = text
        self.differences = differences
    }
}

/// One field where a value did not match what was expected.
public struct FieldDifference: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The field's path (`$.type`).
    public var path: String
    /// What was expected, as written ("offer.accepted", "exists", "≥ 3").
    public var expected: String
    /// What was there, or `nil` when the field was missing.
    public var actual: String?

    /// Creates a difference.
    public init(path: String, expected: String, actual: String?) {
        self.path = path
        self.expected = expected
        self.actual = actual
    }

    /// `$.type: expected offer.accepted, got offer.rejected`
    public var description: String {
        "\(path): expected \(expected), got \(actual ?? "nothing (missing)")"
    }
}
