import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// One running instance of the demo backend: its state, its broker connections, and the Hummingbird application
/// serving it.
struct Backend: Sendable {
    let config: DemoBackendConfiguration
    let logger: Logger
    let brokers: BrokerConnections
    let feed: BrokerFeed?
    let mirror: NotificationMirror?
    let store: Store
    let notifier: Notifier
    let jobs = DelayedJobs()
    let database: DemoDatabase?

    /// Connects to the configured brokers (each within ``BrokerConnections/connectTimeout``) and sets up the state.
    /// - Throws: ``DemoBrokerError`` when a broker cannot be reached.
    static func start(_ config: DemoBackendConfiguration) async throws -> Backend {
        let logger = makeLogger(config)
        let brokers = try await BrokerConnections.connect(config, logger: logger)
        var database: DemoDatabase?
        if let url = config.databaseURL {
            do {
                database = try await DemoDatabase.open(url) { [logger] in logger.warning("\($0)") }
            } catch {
                await brokers.close()
                throw error
            }
        }
        return Backend(config: config, logger: logger, brokers: brokers, database: database)
    }

    private init(config: DemoBackendConfiguration, logger: Logger, brokers: BrokerConnections, database: DemoDatabase?) {
        self.config = config
        self.logger = logger
        self.brokers = brokers
        self.database = database
        let feed: BrokerFeed? = brokers.nats == nil && brokers.redis == nil ? nil
            : BrokerFeed(nats: brokers.nats, redis: brokers.redis,
                         invalidatesCache: !config.defects.contains(.staleCache), logger: logger)
        self.feed = feed
        mirror = brokers.mqtt.map { NotificationMirror(publisher: $0, logger: logger) }
        store = Store(onChange: { [feed] events in feed?.record(events) })
        notifier = Notifier(mirror: mirror)
    }

    /// How long a stop waits for WebSocket clients to answer the close handshake before cutting them off.
    static let closeGrace: Duration = .seconds(2)

    /// Serves until the task is cancelled, then shuts down gracefully: the listener closes, idle HTTP
    /// connections close, SSE streams end, WebSockets get a close frame (and are cut after ``closeGrace`` if the
    /// client does not answer), pending delayed jobs are cancelled, and the broker connections close once what
    /// was queued for them is sent.
    func run(onListening: @escaping @Sendable (Int) -> Void) async throws {
        let services = ServiceGroup(services: [makeApplication(onListening: onListening)], logger: logger)
        // The group runs in its own task so that cancelling ours turns into a graceful shutdown of the group
        // rather than a cancellation of every connection.
        let serving = Task { try await services.run() }
        let stopping = Mutex<Task<Void, Never>?>(nil)
        let outcome: Result<Void, any Error>
        do {
            try await withTaskCancellationHandler {
                try await serving.value
            } onCancel: { [jobs, notifier] in
                jobs.stopAll()
                notifier.endEventStreams()
                let stop = Task {
                    await services.triggerGracefulShutdown()
                    do { try await Task.sleep(for: Self.closeGrace) } catch { return }
                    _ = notifier.dropAll()
                }
                stopping.withLock { $0 = stop }
            }
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        jobs.stopAll()
        stopping.withLock { $0?.cancel() }
        await feed?.finish()
        await mirror?.finish()
        await brokers.close()
        await database?.finish()
        try outcome.get()
    }

    private static func makeLogger(_ config: DemoBackendConfiguration) -> Logger {
        var logger = Logger(label: "herald-demo") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = config.verbose ? .debug : .warning
        return logger
    }

    private func makeApplication(onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(JSONErrorMiddleware())
        if config.verbose { router.middlewares.add(LogRequestsMiddleware(.debug)) }
        let events = Events(notifier: notifier, store: store, jobs: jobs, defects: config.defects,
                            slowDelay: config.slowDelay, feed: feed)
        let orders = OrderCache(store: store, redis: brokers.redis, feed: feed, logger: logger)
        let rows = database.map { DemoRows(database: $0, defects: config.defects) }
        TestRoutes(store: store, notifier: notifier, rows: rows).register(on: router)
        MarketplaceRoutes(store: store, events: events, orders: orders, rows: rows).register(on: router)
        WalletRoutes(store: store, rows: rows).register(on: router)
        JobRoutes(store: store, board: JobBoard(notifier: notifier, jobs: jobs, defects: config.defects)).register(on: router)
        DeviceRoutes(auth: DeviceAuth(config)).register(on: router)
        NotificationRoutes(store: store, notifier: notifier).register(on: router)
        EventStreamRoutes(store: store, notifier: notifier, heartbeat: config.sseHeartbeat).register(on: router)

        let upgrade = WebSocketUpgrade(store: store, notifier: notifier, defects: config.defects)
        let shouldUpgrade: @Sendable (HTTPRequest, any Channel, Logger) throws
            -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> = upgrade.shouldUpgrade
        let server = HTTPServerBuilder.http1WebSocketUpgrade(
            configuration: .init(ws: .init(closeTimeout: Self.closeGrace)),
            shouldUpgrade: shouldUpgrade
        )
        let port = config.port
        return Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(config.host, port: port)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
