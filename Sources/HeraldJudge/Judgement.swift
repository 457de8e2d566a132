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
