import HeraldCore

/// Something that happened on an MQTT connection, in arrival order.
public enum MQTTEvent: Sendable {
    /// A message on one of the connection's subscriptions.
    case message(MQTTMessage)
    /// The connection to the broker dropped. libmosquitto reconnects by itself (about once a second); messages
    /// published meanwhile by others are lost to this connection. `reason` says how it dropped.
    case disconnected(reason: String, at: MonotonicInstant)
    /// The connection is back and every subscription was made again and confirmed by the broker (so a message
    /// published after this event arrives). `at` is when the broker accepted the new connection.
    case reconnected(at: MonotonicInstant)
}

/// One message received on a subscription.
public struct MQTTMessage: Sendable {
    /// The topic it was published to (a concrete topic, never a filter).
    public var topic: String
    /// The payload.
    public var payload: [UInt8]
    /// The QoS it was delivered with: the lower of the publisher's and the subscription's.
    public var qos: Int
    /// True when the broker delivered a stored retained message (on subscribing), not a live one.
    public var retained: Bool
    /// When libmosquitto handed the message over, stamped on its network thread.
    public var receivedAt: MonotonicInstant

    /// Creates a message.
    public init(topic: String, payload: [UInt8], qos: Int, retained: Bool, receivedAt: MonotonicInstant) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
        self.receivedAt = receivedAt
    }

    /// The payload as a string, when it is valid UTF-8.
    public var text: String? { String(validating: payload, as: UTF8.self) }
}
