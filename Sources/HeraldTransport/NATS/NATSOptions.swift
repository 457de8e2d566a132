/// What NATS server to connect to, and how.
public struct NATSOptions: Sendable {
    /// A `nats://` URL: `nats://host[:port]`, `nats://user:password@host:port`, or `nats://token@host:port`.
    /// The port defaults to 4222. Messages always show it masked (`nats://user:***@host:4222`).
    public var url: String
    /// An authentication token, sent instead of (or, when the URL has none, as) the userinfo. Never shown.
    public var token: String?
    /// The client name the server shows in its monitoring pages (`herald` by default).
    public var name: String
    /// How long resolving, TCP connect and the server's INFO/CONNECT/PING exchange may take together. Also the
    /// limit for each reconnect attempt.
    public var connectTimeout: Duration
    /// What to do when the connection drops.
    public var reconnect: NATSReconnectPolicy
    /// How many messages, and how many payload bytes, libnats may hold per subscription before it drops messages
    /// (reported as `.slowConsumer`). The defaults take bursts of hundreds of thousands of small messages.
    public var pendingMessageLimit: Int
    /// The byte side of the pending limit, at most `Int32.max`.
    public var pendingByteLimit: Int
    /// Deliver the messages of all subscriptions of all connections on libnats' shared pool of delivery threads
    /// instead of one thread per subscription. Saves threads when there are hundreds of subscriptions; order
    /// within a subscription is kept either way. Process-wide once any connection asks for it.
    public var sharedDeliveryThreads: Bool

    /// Creates options; by default a 5 s connect timeout, reconnecting, and generous pending limits.
    public init(url: String, token: String? = nil, name: String = "herald", connectTimeout: Duration = .seconds(5),
                reconnect: NATSReconnectPolicy = .attempts(40, wait: .milliseconds(250)),
                pendingMessageLimit: Int = 1_000_000, pendingByteLimit: Int = 1 << 30,
                sharedDeliveryThreads: Bool = false) {
        self.url = url
        self.token = token
        self.name = name
        self.connectTimeout = connectTimeout
        self.reconnect = reconnect
        self.pendingMessageLimit = pendingMessageLimit
        self.pendingByteLimit = pendingByteLimit
        self.sharedDeliveryThreads = sharedDeliveryThreads
    }
}

/// Whether and how often a dropped NATS connection is re-established. While it reconnects, subscriptions stay in
/// place (libnats sends their SUBs again) and their streams report `.disconnected` and then `.reconnected`.
public enum NATSReconnectPolicy: Sendable, Equatable {
    /// A drop closes the connection: every subscription ends with `.closed(.connectionLost)`.
    case never
    /// Up to `count` attempts, `wait` apart, then the connection closes as for `.never`.
    case attempts(Int, wait: Duration)
    /// Attempts without end, `wait` apart, until the connection is closed locally.
    case forever(wait: Duration)
}
