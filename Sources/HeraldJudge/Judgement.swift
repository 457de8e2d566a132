import HeraldContract
import HeraldCore

/// A message received on a channel, as the judge sees it.
public struct ObservedFrame: Sendable, Hashable {
    /// Timeline position.
    public var seq: Int
    /// When it arrived.
    public var at: MonotonicInstant
    /// The actor whose connection received it (`nil` on a shared connection).
    public var actor: String?
    /// The channel.
    public var channel: String
    /// The payload as text, as it came (secrets are masked where a verdict quoting it leaves the runner).
    public var text: String
    /// What it arrived on, for the kinds that say: a NATS subject, an MQTT topic, a Redis channel or key, an SSE
    /// event name.
    public var subject: String?
    /// Message headers (NATS), by lowercased name.
    public var headers: [String: String]
    private var payload: Payload

    /// How the payload is held: parsed, indexed, or as JSON in ``text``, parsed when asked. A frame is indexed once
    /// when it arrives (``JSONTape``), offered to the expectations it may decide, which read only the fields they
    /// name, and then kept as its text (``compacted()``), so that a long run keeps neither a tree nor a tape per frame.
    private enum Payload: Sendable, Hashable {
        case parsed(JSONValue)
        case indexed(JSONTape)
        case jsonText
    }

    /// The payload: parsed JSON, or the text as a JSON string.
    public var value: JSONValue {
        get {
            switch payload {
            case .parsed(let v): return v
            case .indexed(let tape): return tape.value(at: JSONTape.root)
            case .jsonText: return (try? JSONParser.parse(text)) ?? .string(text)
            }
        }
        set { payload = .parsed(newValue) }
    }

    /// Whether the payload satisfies `matcher` (compiled as `compiled`): read from the tape when the frame is
    /// indexed (only the fields the matcher names), else from ``value``.
    public func matches(_ matcher: Matcher, compiled: TapeMatcher) -> Bool {
        if case .indexed(let tape) = payload { return compiled.matches(tape, JSONTape.root) }
        return matcher.matches(value)
    }

    /// ``matches(_:compiled:)``, compiling `matcher` for this call.
    public func matches(_ matcher: Matcher) -> Bool { matches(matcher, compiled: TapeMatcher(matcher)) }

    /// The value at `path` in the payload (as `path.evaluate(in: value)` gives it).
    public func value(at path: JSONPath) -> JSONValue? { value(at: TapePath(path)) }

    /// The value at `path`, compiled once, in the payload (as `path.path.evaluate(in: value)` gives it).
    public func value(at path: TapePath) -> JSONValue? {
        if case .indexed(let tape) = payload {
            switch path.locate(in: tape, from: JSONTape.root) {
            case .found(let node): return tape.value(at: node)
            case .absent: return nil
            case .unsupported: break
            }
        }
        return path.path.evaluate(in: value)
    }

    /// Creates a frame.
    public init(seq: Int, at: MonotonicInstant, actor: String?, channel: String, value: JSONValue, text: String,
                subject: String? = nil, headers: [String: String] = [:]) {
        self.init(seq: seq, at: at, actor: actor, channel: channel, payload: .parsed(value), text: text,
                  subject: subject, headers: headers)
    }

    /// Creates a frame whose JSON payload is indexed on `tape` (its text is `text`); ``compacted()`` keeps only the text.
    public init(seq: Int, at: MonotonicInstant, actor: String?, channel: String, tape: JSONTape, text: String,
                subject: String? = nil, headers: [String: String] = [:]) {
        self.init(seq: seq, at: at, actor: actor, channel: channel, payload: .indexed(tape), text: text,
                  subject: subject, headers: headers)
    }

    private init(seq: Int, at: MonotonicInstant, actor: String?, channel: String, payload: Payload, text: String,
                 subject: String?, headers: [String: String]) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.channel = channel
        self.payload = payload
        self.text = text
        self.subject = subject
        self.headers = headers
    }

    /// The same frame with its JSON payload indexed on a tape again, when it holds it as text: for offering a stored
    /// frame to many expectations, which then read only the fields they name.
    public func indexed() -> ObservedFrame {
        guard case .jsonText = payload, let tape = JSONTape(Array(text.utf8)) else { return self }
        var f = self
        f.payload = .indexed(tape)
        return f
    }

    /// The same frame holding its JSON payload as text only (parsed again when ``value`` is read).
    public func compacted() -> ObservedFrame {
        guard case .indexed = payload else { return self }
        var f = self
        f.payload = .jsonText
        return f
    }

    /// The frame of a timeline entry, if it is one.
    public init?(_ entry: TimelineEntry) {
        guard let f = entry.frame, let channel = entry.channel else { return nil }
        self.init(seq: entry.seq, at: entry.at, actor: entry.actor, channel: channel,
                  payload: f.isJSON ? .jsonText : .parsed(.string(f.text)), text: f.text, subject: f.subject,
                  headers: Dictionary((f.headers ?? []).map { ($0.name.lowercased(), $0.value) }) { first, _ in first })
    }
}

/// A connection that closed while the run was going on.
public struct ObservedDisconnect: Sendable, Hashable {
    /// The channel.
    public var channel: String
    /// The actor whose connection it was.
    public var actor: String?
    /// When it closed.
    public var at: MonotonicInstant
    /// Close code and reason, as text.
    public var detail: String
    /// Creates the record.
    public init(channel: String, actor: String?, at: MonotonicInstant, detail: String) {
        self.channel = channel
        self.actor = actor
        self.at = at
        self.detail = detail
    }
}

/// An event expectation with every variable bound and every actor reference turned into instance names.
public struct BoundExpectation: Sendable {
    /// What is expected.
    public enum Kind: Sendable {
        /// A matching event arrives within the timeout.
        case match
        /// Exactly N matching events arrive within the window, on each watched connection.
        case count(Int)
        /// No matching event arrives within the window.
        case absent
        /// These events arrive in this order.
        case sequence([Item], strict: Bool)
    }

    /// One event of a sequence.
    public struct Item: Sendable {
        /// The channel it arrives on.
        public var channel: String
        /// The event.
        public var matcher: Matcher { didSet { compiled = TapeMatcher(matcher) } }
        /// The subject or topic it arrives on, when that matters.
        public var subject: Matcher?
        /// `matcher`, compiled for frames on their tapes.
        private var compiled: TapeMatcher
        /// Creates an item.
        public init(_ channel: String, _ matcher: Matcher, subject: Matcher? = nil) {
            self.channel = channel
            self.matcher = matcher
            self.subject = subject
            compiled = TapeMatcher(matcher)
        }
        /// Whether `frame` is this event (any connection).
        public func accepts(_ frame: ObservedFrame) -> Bool {
            frame.channel == channel && (subject.map { $0.matches(frame.subject.map(JSONValue.string)) } ?? true)
                && frame.matches(matcher, compiled: compiled)
        }
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
    /// The channel.
    public var channel: String
    /// What is expected.
    public var kind: Kind
    /// The rendered matcher (for match, count, absent).
    public var matcher: Matcher { didSet { compiled = TapeMatcher(matcher) } }
    /// `matcher`, compiled once for frames on their tapes.
    private var compiled: TapeMatcher
    /// The subject or topic the event must arrive on (for match, count, absent).
    public var subject: Matcher?
    /// Headers the event must carry, by lowercased name (for match, count, absent).
    public var headers: [(name: String, matcher: Matcher)] = []
    /// The one watched connection's actor instance, if restricted.
    public var actor: String?
    /// Exactly these actor instances must receive the event.
    public var recipients: [String]?
    /// The actor instances subscribed to the channel (empty for a shared connection).
    public var subscribers: [String]
    /// Timeout or window.
    public var within: Duration
    /// The `latency:` bounds, carried on to the verdict.
    public var latencyLimits: [LatencyLimit] = []
    /// Whether a delivery slower than the tightest bound fails the verdict (`.slow`): in a plain run; a load run
    /// checks the percentiles of all its flows' deliveries instead.
    public var judgesLatency = false

    /// Creates an expectation.
    public init(id: String, contract: String, step: String, location: SourceLocation?, knownGap: String?, channel: String,
                kind: Kind, matcher: Matcher, subject: Matcher? = nil, actor: String?, recipients: [String]?, subscribers: [String],
                within: Duration) {
        self.id = id
        self.subject = subject
        self.contract = contract
        self.step = step
        self.location = location
        self.knownGap = knownGap
        self.channel = channel
        self.kind = kind
        self.matcher = matcher
        compiled = TapeMatcher(matcher)
        self.actor = actor
        self.recipients = recipients
        self.subscribers = subscribers
        self.within = within
    }

    /// Whether `frame` is the event this expectation looks for, on any connection of its channel: its subject (when
    /// one is asked for) and its payload match.
    public func accepts(_ frame: ObservedFrame) -> Bool {
        frame.channel == channel && (subject.map { $0.matches(frame.subject.map(JSONValue.string)) } ?? true)
            && headers.allSatisfy { $0.matcher.matches(frame.headers[$0.name].map(JSONValue.string)) }
            && frame.matches(matcher, compiled: compiled)
    }

    /// The verdict kind this expectation produces.
    public var verdictKind: Verdict.Kind {
        switch kind {
        case .match: recipients == nil ? .match : .recipients
        case .count: .count
        case .absent: .absent
        case .sequence: .sequence
        }
    }
}

/// The state of an expectation at some instant: still open, or decided.
public enum Judgement: Sendable {
    /// Not decidable yet: wait at most until the deadline.
    case pending(until: MonotonicInstant)
    /// Decided. `matched` is the frame that satisfied it, for captures.
    case decided(Verdict, matched: ObservedFrame?)

    /// The verdict, when decided.
    public var verdict: Verdict? {
        if case .decided(let v, _) = self { return v }
        return nil
    }
}
