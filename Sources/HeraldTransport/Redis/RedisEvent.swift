import HeraldCore

/// Something that happened on a Redis subscriber connection, in arrival order.
public enum RedisEvent: Sendable {
    /// A message on a subscribed channel, or on a channel matching a subscribed pattern.
    case message(RedisMessage)
    /// A keyspace notification (a message on `__keyspace@DB__:KEY` or `__keyevent@DB__:EVENT`), decoded.
    case keyspace(RedisKeyspaceEvent)
    /// The connection ended: closed on this side (`initiatedLocally`), or dropped by the server or the network
    /// (`reason` says how). Always the last event; Redis connections do not reconnect.
    case closed(reason: String?, at: MonotonicInstant, initiatedLocally: Bool)
}

/// One pub/sub message.
public struct RedisMessage: Sendable {
    /// The channel it was published on.
    public var channel: String
    /// The subscribed pattern it matched, for a pattern subscription.
    public var pattern: String?
    /// The payload.
    public var payload: [UInt8]
    /// When its bytes were read from the socket, stamped on the connection's thread.
    public var receivedAt: MonotonicInstant

    /// Creates a message.
    public init(channel: String, pattern: String? = nil, payload: [UInt8], receivedAt: MonotonicInstant) {
        self.channel = channel
        self.pattern = pattern
        self.payload = payload
        self.receivedAt = receivedAt
    }

    /// The payload as a string, when it is valid UTF-8.
    public var text: String? { String(validating: payload, as: UTF8.self) }
}

/// A change to a key, as Redis notifies it (`notify-keyspace-events` must be enabled on the server).
public struct RedisKeyspaceEvent: Sendable, Hashable {
    /// The key that changed.
    public var key: String
    /// What happened: `set`, `del`, `expire`, `expired`, `evicted`, `hset`, `lpush`…
    public var event: String
    /// The database of the key.
    public var database: Int
    /// When the notification's bytes were read from the socket.
    public var receivedAt: MonotonicInstant

    /// Creates an event.
    public init(key: String, event: String, database: Int, receivedAt: MonotonicInstant) {
        self.key = key
        self.event = event
        self.database = database
        self.receivedAt = receivedAt
    }

    /// Decodes a message on a `__keyspace@DB__:KEY` or `__keyevent@DB__:EVENT` channel; nil for other channels.
    init?(channel: String, payload: [UInt8], receivedAt: MonotonicInstant) {
        let space = "__keyspace@", event = "__keyevent@"
        let isSpace = channel.hasPrefix(space)
        guard isSpace || channel.hasPrefix(event) else { return nil }
        let rest = channel.dropFirst(space.count)
        guard let end = rest.range(of: "__:") else { return nil }
        guard let db = Int(rest[..<end.lowerBound]) else { return nil }
        let name = String(rest[end.upperBound...])
        let value = String(decoding: payload, as: UTF8.self)
        self.init(key: isSpace ? name : value, event: isSpace ? value : name, database: db, receivedAt: receivedAt)
    }
}
