import Synchronization

/// One thing that happened during a run, stamped on the monotonic clock.
public struct TimelineEntry: Sendable, Codable, Hashable {
    /// Position on the timeline, from 0, in the order entries were recorded.
    public var seq: Int
    /// When it happened.
    public var at: MonotonicInstant
    /// The actor instance it concerns ("seller[1]"), if any.
    public var actor: String?
    /// The channel it happened on, if any.
    public var channel: String?
    /// What happened.
    public var event: TimelineEvent

    /// Creates an entry.
    public init(seq: Int, at: MonotonicInstant, actor: String?, channel: String?, event: TimelineEvent) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.channel = channel
        self.event = event
    }

    /// The frame, if this entry is a received frame.
    public var frame: FrameRecord? {
        if case .frame(let f) = event { return f }
        return nil
    }
}

/// A timeline entry as it is recorded, with what a live trace needs to place it.
public struct LiveEntry: Sendable {
    /// The contract it belongs to.
    public var contract: String
    /// The instant the contract's timeline starts at.
    public var origin: MonotonicInstant
    /// The entry.
    public var entry: TimelineEntry

    /// Creates the value.
    public init(contract: String, origin: MonotonicInstant, entry: TimelineEntry) {
        self.contract = contract
        self.origin = origin
        self.entry = entry
    }

    /// Milliseconds since the contract's start, rounded to microseconds, as in report.json.
    public var tMs: Double { (origin.duration(to: entry.at).milliseconds * 1000).rounded() / 1000 }
}

/// What a timeline entry records.
public enum TimelineEvent: Sendable, Hashable {
    /// A step began.
    case step(StepRecord)
    /// An HTTP request was sent.
    case request(RequestRecord)
    /// An HTTP response arrived.
    case response(ResponseRecord)
    /// A message arrived on a channel.
    case frame(FrameRecord)
    /// A message was sent on a channel.
    case sent(FrameRecord)
    /// A channel connection opened (and, where the channel asks for it, was confirmed).
    case connected(ConnectionRecord)
    /// A channel connection closed.
    case disconnected(DisconnectRecord)
    /// Anything else worth showing a person.
    case note(String)
}

/// A step starting.
public struct StepRecord: Sendable, Codable, Hashable {
    /// The step's label ("step 3: POST api /offers/o-1/accept").
    public var label: String
    /// Where the step is written.
    public var location: SourceLocation?
    /// Creates the record.
    public init(label: String, location: SourceLocation?) {
        self.label = label
        self.location = location
    }
}

/// A header as recorded (as sent or received: the redactor masks secret ones where the entry leaves the runner).
public struct RecordedHeader: Sendable, Codable, Hashable {
    /// Header name.
    public var name: String
    /// Header value.
    public var value: String
    /// Creates the header.
    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// An HTTP request on the timeline.
public struct RequestRecord: Sendable, Codable, Hashable {
    /// Method.
    public var method: String
    /// Full URL.
    public var url: String
    /// Headers (secret ones masked where the entry is shown).
    public var headers: [RecordedHeader]
    /// Body as text, if any.
    public var body: String?
    /// Creates the record.
    public init(method: String, url: String, headers: [RecordedHeader], body: String?) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// Per-phase times of one HTTP exchange, in milliseconds (cumulative from the start, as libcurl reports them).
public struct TimingRecord: Sendable, Codable, Hashable {
    /// Name resolution done.
    public var dnsMs: Double
    /// TCP connected.
    public var connectMs: Double
    /// TLS handshake done.
    public var tlsMs: Double
    /// First response byte.
    public var firstByteMs: Double
    /// Whole exchange.
    public var totalMs: Double
    /// Creates the record.
    public init(dnsMs: Double, connectMs: Double, tlsMs: Double, firstByteMs: Double, totalMs: Double) {
        self.dnsMs = dnsMs
        self.connectMs = connectMs
        self.tlsMs = tlsMs
        self.firstByteMs = firstByteMs
        self.totalMs = totalMs
    }
}

/// An HTTP response on the timeline.
public struct ResponseRecord: Sendable, Codable, Hashable {
    /// The `seq` of the request it answers.
    public var requestSeq: Int
    /// Status code.
    public var status: Int
    /// Headers (secret ones masked where the entry is shown).
    public var headers: [RecordedHeader]
    /// Body as text (truncated for very large bodies).
    public var body: String
    /// Phase timings.
    public var timing: TimingRecord
    /// For a 429 answer that Herald waited out before sending the request again: how long it waited, as the answer's
    /// `Retry-After` asked.
    public var retryAfterMs: Double?
    /// Creates the record.
    public init(requestSeq: Int, status: Int, headers: [RecordedHeader], body: String, timing: TimingRecord,
                retryAfterMs: Double? = nil) {
        self.requestSeq = requestSeq
        self.status = status
        self.headers = headers
        self.body = body
        self.timing = timing
        self.retryAfterMs = retryAfterMs
    }
}

/// A message on a channel.
///
/// It keeps the payload as text only: ``json`` parses it when asked (a report, a capture), so that a long run keeps
/// about the size of what it received, not a parsed tree per frame.
public struct FrameRecord: Sendable, Hashable {
    /// The payload as text: UTF-8 as it came (binary messages too), other bytes as `base64:` and their Base64 text.
    public var text: String
    /// Whether ``text`` is JSON.
    public var isJSON: Bool
    /// Whether the payload was binary.
    public var binary: Bool
    /// What it arrived on: a NATS subject, an MQTT topic, a Redis channel or key, an SSE event name.
    public var subject: String?
    /// Message headers (NATS); secret ones are masked where the entry is shown.
    public var headers: [RecordedHeader]?
    /// The SSE event id.
    public var id: String?
    /// MQTT: the broker kept it as the topic's retained message.
    public var retained: Bool?

    /// Creates the record. `json` says that `text` is JSON (and is that text parsed: pass the value `text` encodes).
    public init(text: String, json: JSONValue?, binary: Bool = false, subject: String? = nil, headers: [RecordedHeader]? = nil,
                id: String? = nil, retained: Bool? = nil) {
        self.text = text
        self.isJSON = json != nil
        self.binary = binary
        self.subject = subject
        self.headers = headers
        self.id = id
        self.retained = retained
    }

    /// Creates the record of a payload whose text `isJSON` says is JSON or not.
    public init(text: String, isJSON: Bool, binary: Bool = false, subject: String? = nil, headers: [RecordedHeader]? = nil,
                id: String? = nil, retained: Bool? = nil) {
        self.init(text: text, json: isJSON ? .null : nil, binary: binary, subject: subject, headers: headers, id: id, retained: retained)
    }

    /// The payload parsed as JSON, when it is JSON (parsed anew at each call).
    public var json: JSONValue? { isJSON ? try? JSONParser.parse(text) : nil }
}

extension FrameRecord: Codable {
    private enum Keys: String, CodingKey { case text, json, binary, subject, headers, id, retained }

    /// Encodes the record, with its payload parsed under `json` when it is JSON.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(text, forKey: .text)
        try c.encodeIfPresent(json, forKey: .json)
        try c.encode(binary, forKey: .binary)
        try c.encodeIfPresent(subject, forKey: .subject)
        try c.encodeIfPresent(headers, forKey: .headers)
        try c.encodeIfPresent(id, forKey: .id)
        try c.encodeIfPresent(retained, forKey: .retained)
    }

    /// Decodes what ``encode(to:)`` writes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        self.init(text: try c.decode(String.self, forKey: .text), json: try c.decodeIfPresent(JSONValue.self, forKey: .json),
                  binary: try c.decode(Bool.self, forKey: .binary), subject: try c.decodeIfPresent(String.self, forKey: .subject),
                  headers: try c.decodeIfPresent([RecordedHeader].self, forKey: .headers), id: try c.decodeIfPresent(String.self, forKey: .id),
                  retained: try c.decodeIfPresent(Bool.self, forKey: .retained))
    }
}

/// A connection opening.
public struct ConnectionRecord: Sendable, Codable, Hashable {
    /// The address, credentials masked.
    public var url: String
    /// Creates the record.
    public init(url: String) { self.url = url }
}

/// A connection closing.
public struct DisconnectRecord: Sendable, Codable, Hashable {
    /// The close code, when the peer sent one.
    public var code: Int?
    /// The close reason.
    public var reason: String
    /// Whether Herald closed it (at the end of the run) rather than the peer or the network.
    public var expected: Bool
    /// Creates the record.
    public init(code: Int?, reason: String, expected: Bool) {
        self.code = code
        self.reason = reason
        self.expected = expected
    }
}

/// The timeline of a run: every entry, in the order recorded. Safe to append to from any thread.
///
/// The entries are kept in chunks of a fixed size, each allocated once: a long run appends without ever copying what
/// it recorded into a larger buffer (and touching its memory twice), and reads an entry by its position in place.
public final class TimelineRecorder: Sendable {
    /// Entries per chunk.
    static let chunkSize = 512

    private struct Chunks {
        var chunks: [[TimelineEntry]] = []
        var count = 0

        subscript(seq: Int) -> TimelineEntry { chunks[seq / TimelineRecorder.chunkSize][seq % TimelineRecorder.chunkSize] }

        mutating func append(_ make: (Int) -> TimelineEntry) -> Int {
            if count % TimelineRecorder.chunkSize == 0 {
                var chunk: [TimelineEntry] = []
                chunk.reserveCapacity(TimelineRecorder.chunkSize)
                chunks.append(chunk)
            }
            let seq = count
            // In place: taking the chunk out of the array to append would copy it.
            chunks[chunks.count - 1].append(make(seq))
            count += 1
            return seq
        }

        func all(from seq: Int) -> [TimelineEntry] {
            guard seq < count else { return [] }
            var out: [TimelineEntry] = []
            out.reserveCapacity(count - seq)
            var chunk = seq / TimelineRecorder.chunkSize
            out += chunks[chunk][(seq % TimelineRecorder.chunkSize)...]
            chunk += 1
            while chunk < chunks.count {
                out += chunks[chunk]
                chunk += 1
            }
            return out
        }
    }

    private let state = Mutex<Chunks>(Chunks())
    private let onAppend: (@Sendable (TimelineEntry) -> Void)?

    /// The instant the run started; reports show times relative to it.
    public let origin: MonotonicInstant

    /// Whether something sees every entry as it is recorded (a live trace, `herald tail`).
    public var isWatched: Bool { onAppend != nil }

    /// Creates an empty timeline. `onAppend` sees every entry as it is recorded (for live traces).
    public init(origin: MonotonicInstant = .now(), onAppend: (@Sendable (TimelineEntry) -> Void)? = nil) {
        self.origin = origin
        self.onAppend = onAppend
    }

    /// Records an event and returns its position (`seq`).
    @discardableResult
    public func record(_ event: TimelineEvent, actor: String? = nil, channel: String? = nil,
                       at: MonotonicInstant = .now()) -> Int {
        // The entry is built in place, and copied out only for a live trace: a frame's entry holds several strings,
        // and every copy of it costs their reference counting.
        let seq = state.withLock { entries in
            entries.append { TimelineEntry(seq: $0, at: at, actor: actor, channel: channel, event: event) }
        }
        if let onAppend { onAppend(TimelineEntry(seq: seq, at: at, actor: actor, channel: channel, event: event)) }
        return seq
    }

    /// Every entry recorded so far.
    public var entries: [TimelineEntry] { state.withLock { $0.all(from: 0) } }

    /// Entries recorded from position `seq` on (for incremental judging).
    public func entries(from seq: Int) -> [TimelineEntry] {
        state.withLock { $0.all(from: max(seq, 0)) }
    }

    /// The entries at positions `seqs`, in that order.
    public func entries(at seqs: some Sequence<Int>) -> [TimelineEntry] {
        state.withLock { entries in seqs.map { entries[$0] } }
    }

    /// The number of entries recorded.
    public var count: Int { state.withLock { $0.count } }
}

extension TimelineEvent: Codable {
    private enum Keys: String, CodingKey { case type, data }

    /// The event's type name in reports: `step`, `request`, `response`, `frame`, `sent`, `connected`, `disconnected`, `note`.
    public var typeName: String {
        switch self {
        case .step: "step"
        case .request: "request"
        case .response: "response"
        case .frame: "frame"
        case .sent: "sent"
        case .connected: "connected"
        case .disconnected: "disconnected"
        case .note: "note"
        }
    }

    /// Encodes as `{"type": "frame", "data": {…}}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(typeName, forKey: .type)
        switch self {
        case .step(let r): try c.encode(r, forKey: .data)
        case .request(let r): try c.encode(r, forKey: .data)
        case .response(let r): try c.encode(r, forKey: .data)
        case .frame(let r), .sent(let r): try c.encode(r, forKey: .data)
        case .connected(let r): try c.encode(r, forKey: .data)
        case .disconnected(let r): try c.encode(r, forKey: .data)
        case .note(let s): try c.encode(s, forKey: .data)
        }
    }

    /// Decodes what ``encode(to:)`` writes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        switch try c.decode(String.self, forKey: .type) {
        case "step": self = .step(try c.decode(StepRecord.self, forKey: .data))
        case "request": self = .request(try c.decode(RequestRecord.self, forKey: .data))
        case "response": self = .response(try c.decode(ResponseRecord.self, forKey: .data))
        case "frame": self = .frame(try c.decode(FrameRecord.self, forKey: .data))
        case "sent": self = .sent(try c.decode(FrameRecord.self, forKey: .data))
        case "connected": self = .connected(try c.decode(ConnectionRecord.self, forKey: .data))
        case "disconnected": self = .disconnected(try c.decode(DisconnectRecord.self, forKey: .data))
        default: self = .note(try c.decode(String.self, forKey: .data))
        }
    }
}
