import HeraldCore

/// One open WebSocket connection. Safe to use from any task or thread.
///
/// Read `events` from one task; it yields every message, pong and finally `.closed`, then finishes. Sends are
/// queued and written by the engine's service thread in order; after `close` (or after the connection ended)
/// further sends are dropped.
public final class WebSocketConnection: Sendable {
    /// The URL connected to, with any password masked.
    public let url: String
    /// The HTTP status of the upgrade response (101).
    public let handshakeStatus: Int?
    /// The subprotocol the server picked (`Sec-WebSocket-Protocol` of the response), if any.
    public let subprotocol: String?
    /// Everything that happens on the connection, in order. Single consumer; finishes after `.closed`.
    public let events: EventQueue<WebSocketEvent>.Stream

    private let id: Int
    private let outbox: Outbox
    private let core: LwsEngineCore

    init(id: Int, url: String, handshake: Handshake, events: EventQueue<WebSocketEvent>.Stream, outbox: Outbox,
         core: LwsEngineCore) {
        self.id = id
        self.url = URLText.masked(url)
        self.handshakeStatus = handshake.status
        self.subprotocol = handshake.subprotocol
        self.events = events
        self.outbox = outbox
        self.core = core
    }

    /// Sends a text message.
    public func send(text: String) {
        enqueue(.text(Array(text.utf8)))
    }

    /// Sends a binary message.
    public func send(binary: [UInt8]) {
        enqueue(.binary(binary))
    }

    /// Sends a ping; the answer arrives as `.pong` on `events`.
    public func ping() {
        enqueue(.ping)
    }

    /// Sends a close frame with `code` and `reason` (at most 123 bytes are sent) after the queued messages.
    /// The connection then ends with `.closed(initiatedLocally: true)`. Calling it again does nothing.
    public func close(code: Int = 1000, reason: String = "") {
        if outbox.requestClose(code: code, reason: reason) {
            core.post(.flush(id: id))
        }
    }

    private func enqueue(_ frame: Outbox.Frame) {
        if outbox.enqueue(frame) {
            core.post(.flush(id: id))
        }
    }
}
