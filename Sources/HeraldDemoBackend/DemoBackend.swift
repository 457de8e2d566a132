/// The bundled demo backend: a small marketplace (buyers, sellers, requests, offers, orders) with an HTTP API,
/// a notification WebSocket and SSE stream, and optionally NATS (domain events), Redis (order cache) and MQTT
/// (notification mirror), whose ``DemoDefect``s can be switched on to show what contracts catch.
public enum DemoBackend {
    /// Runs until the task is cancelled (or SIGINT/SIGTERM for the executable). Calls onListening with the
    /// bound port once it accepts connections.
    /// - Parameters:
    ///   - config: Where to listen and which defects to switch on.
    ///   - onListening: Called once, with the bound port, when the server accepts connections.
    /// - Throws: ``DemoBrokerError`` when a configured broker cannot be reached (within a few seconds, before
    ///   anything listens); otherwise when the server cannot start, such as when the port is taken.
    public static func run(_ config: DemoBackendConfiguration, onListening: @escaping @Sendable (Int) -> Void) async throws {
        try await Backend.start(config).run(onListening: onListening)
    }

    /// Scoped: starts the backend on a free loopback port, runs body with the base URL "http://127.0.0.1:PORT",
    /// always stops the server afterwards (also when body throws).
    /// - Parameters:
    ///   - config: Which defects to switch on; its host and port are ignored (loopback, free port).
    ///   - body: Gets the base URL; its result is returned once the server has stopped.
    /// - Throws: When the server cannot start, or what body throws.
    public static func withRunningBackend<T: Sendable>(
        _ config: DemoBackendConfiguration = .init(),
        _ body: @Sendable (String) async throws -> T
    ) async throws -> T {
        var config = config
        config.host = "127.0.0.1"
        config.port = 0
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { [config] group in
            group.addTask {
                defer { listening.finish() }
                try await run(config) { port in listening.yield(port) }
            }
            defer { group.cancelAll() }
            guard let port = await ports.first(where: { _ in true }) else {
                // The server ended before it listened: report its error.
                try await group.next()
                try Task.checkCancellation()
                throw StartupError()
            }
            return try await body("http://127.0.0.1:\(port)")
        }
    }

    /// The backend stopped before it accepted connections, without saying why.
    private struct StartupError: Error, CustomStringConvertible {
        var description: String { "the demo backend stopped before it started listening" }
    }
}
