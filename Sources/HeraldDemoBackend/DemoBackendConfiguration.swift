/// How to run the demo backend: where it listens, which defects are switched on, and which brokers it uses.
public struct DemoBackendConfiguration: Sendable {
    /// The address to bind to.
    public var host: String = "127.0.0.1"
    /// The port to bind to; 0 picks a free port.
    public var port: Int = 0
    /// The defects that are switched on (none by default).
    public var defects: Set<DemoDefect> = []
    /// How late the ``DemoDefect/slow`` defect delivers `offer.accepted`.
    public var slowDelay: Duration = .milliseconds(1500)
    /// Log at debug level instead of only warnings and errors (logs go to standard error).
    public var verbose: Bool = false
    /// A NATS server (`nats://host:port`) to publish the domain events on (`market.<type>`); nil: none.
    public var natsURL: String?
    /// A Redis server (`redis://host:port[/db]`) to cache orders in (`order:<id>`); nil: no cache.
    public var redisURL: String?
    /// An MQTT broker (`mqtt://host:port`) to mirror notifications to (`users/<userId>/notifications`); nil: none.
    public var mqttURL: String?
    /// How often an idle `/sse/notifications` stream gets a `: ping` comment.
    public var sseHeartbeat: Duration = .seconds(15)
    /// A database (`sqlite:///path`, `postgres://…`) the backend writes its users, orders and recharges to; nil: none.
    public var databaseURL: String? = nil
    /// The secret devices sign their client assertions with (HS256, RFC 7523); nil: `POST /oauth/token` refuses all.
    public var deviceSecret: String? = nil
    /// How long an access token issued to a device lasts.
    public var deviceTokenLifetime: Duration = .seconds(2)
    /// The secret payment webhooks are signed with (`X-Signature: sha256=<hex HMAC-SHA256 of the body>`); nil: all refused.
    public var webhookSecret: String? = nil

    /// Creates a configuration; every parameter has a default.
    /// - Parameters:
    ///   - host: The address to bind to.
    ///   - port: The port to bind to; 0 picks a free port.
    ///   - defects: The defects to switch on.
    ///   - slowDelay: How late the `slow` defect delivers `offer.accepted`.
    ///   - verbose: Log at debug level instead of only warnings and errors.
    ///   - natsURL: A NATS server for the domain events, or nil.
    ///   - redisURL: A Redis server for the order cache, or nil.
    ///   - mqttURL: An MQTT broker for the notification mirror, or nil.
    ///   - sseHeartbeat: How often an idle SSE stream gets a `: ping` comment.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        defects: Set<DemoDefect> = [],
        slowDelay: Duration = .milliseconds(1500),
        verbose: Bool = false,
        natsURL: String? = nil,
        redisURL: String? = nil,
        mqttURL: String? = nil,
        sseHeartbeat: Duration = .seconds(15)
    ) {
        self.host = host
        self.port = port
        self.defects = defects
        self.slowDelay = slowDelay
        self.verbose = verbose
        self.natsURL = natsURL
        self.redisURL = redisURL
        self.mqttURL = mqttURL
        self.sseHeartbeat = sseHeartbeat
    }
}
