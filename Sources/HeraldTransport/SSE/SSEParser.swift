import HeraldCore

/// The `text/event-stream` parser of the WHATWG HTML standard (EventSource), as a value: feed it bytes as they
/// arrive, in chunks of any size, and it returns the events they complete.
///
/// - Lines end with CRLF, LF or CR, also when a CRLF is split between two chunks; a UTF-8 BOM at the very start
///   is skipped; bytes are decoded as UTF-8 (invalid sequences become U+FFFD).
/// - `:` starts a comment; otherwise `field: value` (one space after the colon is dropped), or a bare `field`
///   with an empty value. Unknown fields are ignored.
/// - `data` lines are joined with `\n`; `event` sets the type (default `message`); `id` sets the last event ID
///   unless the value contains NUL (it persists across events; an empty `id` clears it); `retry` sets the
///   reconnection time, in milliseconds, only when the value is all ASCII digits.
/// - An empty line dispatches the event, only when it has at least one `data` line; either way the last event
///   ID takes the value of the block's `id`.
/// - `finish()` ends the stream: an event without its closing empty line is dropped.
public struct SSEParser: Sendable {
    /// The last event ID: what a reconnect sends as `Last-Event-ID`. Nil when none was set, or set empty.
    public private(set) var lastEventID: String?
    /// The reconnection time the stream asked for with its last valid `retry` field, if any.
    public private(set) var reconnectionTime: Duration?

    private static let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
    private static let lf = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r"), colon = UInt8(ascii: ":")

    /// How many bytes of a leading BOM were seen; nil once the start of the stream is past.
    private var bomMatched: Int? = 0
    private var line: [UInt8] = []
    /// The previous byte was a CR, so an LF right after it belongs to the same line ending.
    private var afterCR = false
    /// The `id` of the block being read (the WHATWG "last event ID buffer").
    private var idBuffer: String?
    private var data = ""
    private var hasData = false
    private var eventType = ""
    private var eventRetry: Duration?

    /// Creates a parser for a new stream. `lastEventID` is the ID known from an earlier connection, if any.
    public init(lastEventID: String? = nil) {
        self.lastEventID = lastEventID.flatMap { $0.isEmpty ? nil : $0 }
        idBuffer = self.lastEventID
    }

    /// Parses `bytes`, the next part of the stream, and returns the events completed by them, in order, each
    /// stamped `receivedAt`.
    public mutating func feed(_ bytes: some Collection<UInt8>, receivedAt: MonotonicInstant = .now()) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in bytes {
            if let matched = bomMatched {
                if byte == Self.bom[matched] {
                    bomMatched = matched + 1 == Self.bom.count ? nil : matched + 1
                    continue
                }
                // Not a BOM after all: the bytes held back are content.
                bomMatched = nil
                for held in Self.bom[..<matched] { take(held, receivedAt, into: &events) }
            }
            take(byte, receivedAt, into: &events)
        }
        return events
    }

    /// Ends the stream (the connection closed): a partial line and an event not yet closed by an empty line
    /// are dropped. The last event ID and the reconnection time stay, for the next connection, which may again
    /// start with a BOM.
    public mutating func finish() {
        bomMatched = 0
        line = []
        afterCR = false
        idBuffer = lastEventID
        resetEvent()
    }

    // MARK: - Lines

    private mutating func take(_ byte: UInt8, _ at: MonotonicInstant, into events: inout [SSEEvent]) {
        if afterCR {
            afterCR = false
            if byte == Self.lf { return }
        }
        switch byte {
        case Self.lf:
            endLine(at, into: &events)
        case Self.cr:
            afterCR = true
            endLine(at, into: &events)
        default:
            line.append(byte)
        }
    }

    private mutating func endLine(_ at: MonotonicInstant, into events: inout [SSEEvent]) {
        defer { line.removeAll(keepingCapacity: true) }
        if line.isEmpty {
            if let event = dispatch(at) { events.append(event) }
            return
        }
        if line[0] == Self.colon { return }
        let name: String, value: String
        if let colon = line.firstIndex(of: Self.colon) {
            name = String(decoding: line[..<colon], as: UTF8.self)
            var start = colon + 1
            if start < line.endIndex, line[start] == UInt8(ascii: " ") { start += 1 }
            value = String(decoding: line[start...], as: UTF8.self)
        } else {
            name = String(decoding: line, as: UTF8.self)
            value = ""
        }
        field(name, value)
    }

    private mutating func field(_ name: String, _ value: String) {
        switch name {
        case "event":
            eventType = value
        case "data":
            data += value
            data += "\n"
            hasData = true
        case "id":
            if !value.utf8.contains(0) { idBuffer = value }
        case "retry":
            guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return }
            let time = Duration.milliseconds(Int64(value) ?? Int64.max / 1_000_000)
            reconnectionTime = time
            eventRetry = time
        default:
            break
        }
    }

    private mutating func dispatch(_ at: MonotonicInstant) -> SSEEvent? {
        lastEventID = idBuffer.flatMap { $0.isEmpty ? nil : $0 }
        defer { resetEvent() }
        guard hasData else { return nil }
        if data.hasSuffix("\n") { data.removeLast() }
        return SSEEvent(event: eventType.isEmpty ? "message" : eventType, id: lastEventID, data: data,
                        retry: eventRetry, receivedAt: at)
    }

    private mutating func resetEvent() {
        data = ""
        hasData = false
        eventType = ""
        eventRetry = nil
    }
}
