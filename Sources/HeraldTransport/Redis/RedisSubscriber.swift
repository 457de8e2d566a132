import HeraldCore
/// A Redis connection in subscriber mode (`SUBSCRIBE`, `PSUBSCRIBE`), on a hiredis context and thread of its own.
///
/// Read `events` from one task: messages, decoded keyspace notifications, and finally `.closed`. Subscribing is
/// one awaitable step that returns once the server acknowledged every channel and pattern, so a message
/// published afterwards is never missed.
public final class RedisSubscriber: Sendable {
    /// The URL connected to, with the password masked.
    public let url: String
    /// The database of the URL, used for keyspace channels.
    public let database: Int
    /// Everything that arrives, in order. Single consumer; finishes after `.closed`. Keep the subscriber
    /// referenced while reading: dropping it closes the connection.
    public let events: EventQueue<RedisEvent>.Stream
    private let link: RedisLink

    /// Dropped without `close()`: the thread is told to stop (it holds only the link, not this object).
    deinit {
        link.post(.stop)
    }

    private init(link: RedisLink, events: EventQueue<RedisEvent>.Stream) {
        self.link = link
        self.events = events
        self.url = link.url
        self.database = link.target.database
    }

    /// Connects and authenticates like `RedisConnection.connect`, with no subscription yet.
    ///
    /// - Throws: `TransportError` (`invalidURL`, `dnsFailure`, `connectionRefused`, `timeout`,
    ///   `protocolFailure` for rejected credentials), `CancellationError`. Every message masks the password.
    public static func connect(_ options: RedisOptions) async throws -> RedisSubscriber {
        let (events, continuation) = EventQueue<RedisEvent>.makeStream()
        do {
            let link = try await RedisLink.open(options, role: .subscriber(continuation))
            return RedisSubscriber(link: link, events: events)
        } catch {
            continuation.finish()
            throw error
        }
    }

    /// Subscribes to `channels` (exact names) and `patterns` (globs: `*`, `?`, `[…]`) and returns once the server
    /// acknowledged each of them.
    ///
    /// - Throws: `TransportError.timeout` (default deadline: the options' command timeout), `.closed`,
    ///   `.protocolFailure` when the server refuses; `CancellationError`.
    public func subscribe(channels: [String] = [], patterns: [String] = [], timeout: Duration? = nil) async throws {
        try await link.pubsub([("SUBSCRIBE", channels), ("PSUBSCRIBE", patterns)],
                              timeout: timeout ?? link.options.commandTimeout)
    }

    /// Unsubscribes from `channels` and `patterns` and returns once the server acknowledged each of them.
    public func unsubscribe(channels: [String] = [], patterns: [String] = [], timeout: Duration? = nil) async throws {
        try await link.pubsub([("UNSUBSCRIBE", channels), ("PUNSUBSCRIBE", patterns)],
                              timeout: timeout ?? link.options.commandTimeout)
    }

    /// Watches the keys matching `keyPattern` (a glob) in this connection's database: subscribes to
    /// `__keyspace@DB__:PATTERN`, so changes arrive as `.keyspace` events (`set`, `del`, `expired`…).
    ///
    /// Redis sends these only when `notify-keyspace-events` is on. Pass `enablingNotifications` (for example
    /// `"KEA"`) to turn it on first, through a short-lived command connection; by default the server's
    /// setting is left alone.
    public func watchKeyspace(_ keyPattern: String, enablingNotifications flags: String? = nil,
                              timeout: Duration? = nil) async throws {
        if let flags {
            try await withRedisConnection(link.options) { try await $0.enableKeyspaceNotifications(flags) }
        }
        try await subscribe(patterns: ["__keyspace@\(database)__:\(keyPattern)"], timeout: timeout)
    }

    /// Closes the connection; the stream ends with `.closed(initiatedLocally: true)`. Idempotent.
    public func close() async {
        await link.close()
    }
}

/// Runs `body` with a subscriber already subscribed (and confirmed) to `channels` and `patterns`, then closes
/// it — stream finished, thread ended — whether `body` returns or throws.
public func withRedisSubscriber<T>(
    _ options: RedisOptions,
    channels: [String] = [],
    patterns: [String] = [],
    isolation: isolated (any Actor)? = #isolation,
    _ body: (RedisSubscriber) async throws -> T
) async throws -> T {
    try await withClosing(try await RedisSubscriber.connect(options), close: { await $0.close() }) { subscriber in
        try await subscriber.subscribe(channels: channels, patterns: patterns)
        return try await body(subscriber)
    }
}
