import HeraldCore

/// Something that happened on a WebSocket connection, in arrival order.
public enum WebSocketEvent: Sendable {
    /// A complete message (fragments assembled).
    case message(WebSocketMessage)
    /// A pong arrived (the answer to `ping()`, or an unsolicited one).
    case pong(at: MonotonicInstant)
    /// The connection ended: the peer closed it (`code` from its close frame, 1005 when the frame had none), it
    /// dropped (`code` nil), or this side closed it (`initiatedLocally`, `code` as sent). Always the last event.
    case closed(code: Int?, reason: String, at: MonotonicInstant, initiatedLocally: Bool)
}

/// One received message.
public struct WebSocketMessage: Sendable {
    /// The payload.
    public var bytes: [UInt8]
    /// True for a text message, false for binary.
    public var isText: Bool
    /// When its last fragment was read, stamped on the thread that read it.
    public var receivedAt: MonotonicInstant

    /// Creates a message.
    public init(bytes: [UInt8], isText: Bool, receivedAt: MonotonicInstant) {
        self.bytes = bytes
        self.isText = isText
        self.receivedAt = receivedAt
    }

    /// The payload as a string, for a text message that is valid UTF-8; nil otherwise.
    public var text: String? {
        isText ? String(validating: bytes, as: UTF8.self) : nil
    }
}
