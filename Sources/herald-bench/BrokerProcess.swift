import Foundation
import HeraldCore

/// The broker the benchmark starts itself (`nats-server`, `redis-server` or `mosquitto`) on a free loopback port,
/// through HeraldCore's ``LocalBrokerServer``. `stop()` ends it; the command defers that, and ``Interruption`` does
/// it on SIGINT and SIGTERM.
///
/// Each broker is told not to drop or disconnect a slow subscriber while a burst is buffered for it (the defaults
/// would, past a few tens of megabytes or a thousand messages), so a long burst measures the receiver instead of
/// failing.
final class BrokerProcess {
    /// Which broker.
    let transport: IngestTransport
    private let server: LocalBrokerServer

    /// Starts the broker of `transport` and waits until it accepts connections.
    ///
    /// - Throws: `BenchFailure` naming the Debian package when the broker is not installed, or with the end of its
    ///   log when it exits or does not accept connections in time.
    init(_ transport: IngestTransport, folder: String) throws {
        self.transport = transport
        let broker: LocalBroker
        switch transport {
        case .websocket:
            throw BenchFailure("websocket needs no broker")
        case .nats:
            // max_pending (default 64 MB) is the most a connection may have buffered before it is cut off as a slow
            // consumer; it has no command-line flag.
            let config = (folder as NSString).appendingPathComponent("nats-server.conf")
            try "max_pending: 1073741824\n".write(toFile: config, atomically: true, encoding: .utf8)
            broker = LocalBroker.nats.with("-c", config)
        case .redis:
            // pubsub 0 0 0: no output buffer limit for subscribers (the default cuts them off at 32 MB).
            broker = LocalBroker.redis.with("--client-output-buffer-limit", "pubsub", "0", "0", "0")
        case .mqtt:
            // max_queued_messages 0: no limit on what waits for a subscriber (mosquitto drops QoS 0 messages past
            // the default 1000).
            broker = LocalBroker.mosquitto.with("max_queued_messages 0")
        }
        do {
            server = try LocalBrokerServer(broker, folder: folder)
        } catch let error as LocalBrokerError {
            throw BenchFailure("ingest --transport \(transport.rawValue): \(error)")
        }
        Interruption.shared.track(server)
    }

    /// The URL clients connect to: `nats://127.0.0.1:PORT`, `redis://…`, `mqtt://…`.
    var url: String { server.url }

    /// The loopback port it listens on.
    var port: UInt16 { UInt16(server.port) }

    /// The broker's process id, while it runs.
    var pid: Int32? { server.pid }

    /// Stops the broker. Idempotent.
    func stop() { Interruption.shared.stop(server) }
}
