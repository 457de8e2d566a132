import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `herald-bench serve --frames N [--transport T --broker URL]` (hidden): the burst server, started by `ingest` as
/// a child process. It sends bursts to its own WebSocket subscribers, or publishes them to the broker at `--broker`.
/// Prints its port on a line of its own, then serves until its standard input closes (the parent is gone).
struct ServeCommand: AsyncParsableCommand {
    /// Hidden from help: only `ingest` starts it.
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve bursts of tick frames (started by `ingest`).",
        shouldDisplay: false
    )

    /// How many frames one burst holds.
    @Option(help: "Frames per burst.")
    var frames: Int = 20_000

    /// Where bursts go.
    @Option(help: "websocket (to this server's own subscribers), nats, redis or mqtt (published to --broker).")
    var transport: IngestTransport = .websocket

    /// Park WebSocket connections on one epoll thread and never burst (the idle benchmark).
    @Flag(help: "Hold WebSocket connections quietly on one thread, for the idle benchmark.")
    var idle = false

    /// The broker's URL, for a broker transport.
    @Option(help: "The broker's URL (nats://, redis://, mqtt://).")
    var broker: String?

    /// Rejects a broker transport without a broker.
    func validate() throws {
        if transport != .websocket && broker == nil { throw ValidationError("--transport \(transport.rawValue) needs --broker URL") }
    }

    /// Connects to the broker if there is one, starts the server, and serves until the parent is gone.
    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        _ = ProcessMemory.raiseFileLimit()
        let outlet: any BurstOutlet = if idle {
            try IdleOutlet()
        } else if let broker, transport != .websocket {
            try await BrokerOutlet(transport, url: broker, frames: frames)
        } else {
            WebSocketOutlet(frames: frames)
        }
        let server = try BurstServer(outlet: outlet)
        FileHandle.standardOutput.write(Data("\(server.port)\n".utf8))
        // When the parent goes away its end of our stdin closes: stop then, so no server outlives a bench.
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(STDIN_FILENO, &byte, 1) > 0 {}
            Glibc.exit(0)
        }
        // Connections are served on threads of their own, so that blocking socket calls never hold up the
        // concurrency pool, where the broker clients' publishing runs.
        Thread.detachNewThread { server.serve() }
        while true { try await Task.sleep(for: .seconds(3_600)) }
    }
}
