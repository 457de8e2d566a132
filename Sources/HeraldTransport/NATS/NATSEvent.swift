import HeraldCore

/// Something that happened on a NATS subscription, in arrival order.
public enum NATSEvent: Sendable {
    /// A message on one of the subscription's subjects.
    case message(NATSMessage)
    /// The connection to the server dropped. libnats tries to reconnect (see `NATSReconnectPolicy`); messages
    /// published meanwhile by others are lost to this subscription. `reason` is libnats' last error, if any.
    case disconnected(at: MonotonicInstant, reason: String?)
    /// The connection is back and the subscription was sent to the server again.
    case reconnected(at: MonotonicInstant)
    /// libnats dropped messages because its pending limits were reached; `dropped` counts every message this
    /// subscription has lost so far.
    case slowConsumer(dropped: Int, at: MonotonicInstant)
    /// The subscription ended. Always the last event; the stream finishes right after it.
    case closed(NATSCloseReason, at: MonotonicInstant)
}

/// Why a NATS subscription ended.
public enum NATSCloseReason: Sendable, Equatable {
    /// `unsubscribe()` was called.
    case unsubscribed
    /// The connection was closed on this side.
    case closedLocally
    /// The server went away and reconnecting was not allowed or gave up. `reason` is libnats' last error.
    case connectionLost(reason: String?)
}

/// One message received on a subscription.
public struct NATSMessage: Sendable {
    /// The subject it was published to (a concrete subject, never a wildcard).
    public var subject: String
    /// The subject to answer to, for requests.
    public var replyTo: String?
    /// The message headers; a name with several values appears once per value, names in no particular order.
    public var headers: [HTTPHeader]
    /// The payload.
    public var payload: [UInt8]
    /// When the message was handed over by libnats, stamped on its delivery thread.
    public var receivedAt: MonotonicInstant

    /// Creates a message.
    public init(subject: String, replyTo: String? = nil, headers: [HTTPHeader] = [], payload: [UInt8],
                receivedAt: MonotonicInstant) {
        self.subject = subject
        self.replyTo = replyTo
        self.headers = headers
        self.payload = payload
        self.receivedAt = receivedAt
    }

    /// The payload as a string, when it is valid UTF-8.
    public var text: String? { String(validating: payload, as: UTF8.self) }

    /// The first value of header `name` (names compare case-insensitively), or nil.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }
}
