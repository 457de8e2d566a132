import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// One running instance of the demo backend: its state, and the Hummingbird application serving it.
struct Backend: Sendable {
    let config: DemoBackendConfiguration
    let store = Store()
    let notifier = Notifier()
    let jobs = DelayedJobs()

    init(_ config: DemoBackendConfiguration) {
        self.config = config
    }

    /// How long a stop waits for WebSocket clients to answer the close handshake before cutting them off.
    static let closeGrace: Duration = .seconds(2)

    /// Serves until the task is cancelled, then shuts down gracefully: the listener closes, idle HTTP
    /// connections close, WebSockets get a close frame (and are cut after ``closeGrace`` if the client
    /// does not answer), and pending delayed jobs are cancelled.
    func run(onListening: @escaping @Sendable (Int) -> Void) async throws {
        let logger = makeLogger()
        let services = ServiceGroup(services: [makeApplication(logger: logger, onListening: onListening)], logger: logger)
        // The group runs in its own task so that cancelling ours turns into a graceful shutdown of the group
        // rather than a cancellation of every connection.
        let serving = Task { try await services.run() }
        let stopping = Mutex<Task<Void, Never>?>(nil)
        defer {
            jobs.stopAll()
            stopping.withLock { $0?.cancel() }
        }
        try await withTaskCancellationHandler {
            try await serving.value
        } onCancel: { [jobs, notifier] in
            jobs.stopAll()
            let stop = Task {
                await services.triggerGracefulShutdown()
                do { try await Task.sleep(for: Self.closeGrace) } catch { return }
                _ = notifier.dropAll()
            }
            stopping.withLock { $0 = stop }
        }
    }

    private func makeLogger() -> Logger {
        var logger = Logger(label: "herald-demo") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = config.verbose ? .debug : .warning
        return logger
    }

    private func makeApplication(logger: Logger, onListening: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(JSONErrorMiddleware())
        if config.verbose { router.middlewares.add(LogRequestsMiddleware(.debug)) }
        let events = Events(notifier: notifier, store: store, jobs: jobs, defects: config.defects, slowDelay: config.slowDelay)
        TestRoutes(store: store, notifier: notifier).register(on: router)
        MarketplaceRoutes(store: store, events: events).register(on: router)
        NotificationRoutes(store: store, notifier: notifier).register(on: router)

        let upgrade = WebSocketUpgrade(store: store, notifier: notifier)
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
