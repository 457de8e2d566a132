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

    /// A stable id: `contract › step N › kind #i`.
    public var id: String
    /// The contract's name.
    public var contract: String
    /// The step's label.
    public var step: String
    /// What kind of assertion.
    public var kind: Kind
    /// The outcome.
    public var outcome: Outcome
    /// Why it failed, when it did.
    public var reason: Reason?
    /// One sentence a person can read.
    public var message: String
    /// Where the expectation is written.
    public var location: SourceLocation?
    /// The ticket of a declared known gap.
    public var knownGap: String?
    /// The frames, values and differences that support the verdict.
    public var evidence: [Evidence]
    /// Trigger→delivery time of the matching event, when there is one.
    public var latencyMs: Double?
    /// The expectation's `latency:` bounds: checked on each delivery in a plain run, and on the percentiles of its
    /// deliveries at each level of a load run.
    public var latencyLimits: [LatencyLimit]?

    /// Creates a verdict.
    public init(id: String, contract: String, step: String, kind: Kind, outcome: Outcome, reason: Reason? = nil,
                message: String, location: SourceLocation? = nil, knownGap: String? = nil,
                evidence: [Evidence] = [], latencyMs: Double? = nil, latencyLimits: [LatencyLimit]? = nil) {
        self.id = id
        self.contract = contract
        self.step = step
        self.kind = kind
        self.outcome = outcome
        self.reason = reason
        self.message = message
        self.location = location
        self.knownGap = knownGap
        self.evidence = evidence
        self.latencyMs = latencyMs
        self.latencyLimits = latencyLimits
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
