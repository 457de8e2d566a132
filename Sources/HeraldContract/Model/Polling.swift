import HeraldCore

/// How a step repeats its request or query (`poll:`, or an `sql:` step with `until:`): every `every` until `until`
/// holds or `within` passes, recording each distinct value of `record`; `seen:` then asks for values among them.
public struct Polling: Sendable {
    /// The condition on the response body (an HTTP poll) or on `{rows, count}` (an SQL one).
    public var until: Matcher
    /// The pause between attempts.
    public var every: Duration
    /// The deadline.
    public var within: Duration
    /// A JSONPath whose distinct values are recorded (defaults to the first path in `until`).
    public var record: JSONPath?
    /// Values that must have been seen, in this order (a subsequence of what was seen).
    public var seen: [JSONValue]?

    /// Creates a poll.
    public init(until: Matcher, every: Duration, within: Duration, record: JSONPath?, seen: [JSONValue]?) {
        self.until = until
        self.every = every
        self.within = within
        self.record = record
        self.seen = seen
    }
}
