import ArgumentParser
import Dispatch
import Foundation
import HeraldDemoBackend
import Synchronization

/// `herald-demo`: runs the bundled demo marketplace backend until SIGINT or SIGTERM.
@main
struct HeraldDemo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald-demo",
        abstract: "Run Herald's demo marketplace backend (HTTP API, notification WebSocket and SSE stream).",
        discussion: """
            Prints "herald-demo listening on http://HOST:PORT" once it accepts connections, and stops on SIGINT or SIGTERM.
            Brokers (each optional; one that cannot be reached at start: exit status 1):
              --nats URL: domain events as JSON on market.<type>
              --redis URL: cache of GET /orders/{id}, key order:<id>
              --mqtt URL: notifications mirrored to users/<userId>/notifications
            A database (optional): --database sqlite:///path or postgres://…: rows of users, orders and recharges,
            written just after each answer.
            Defects (all off by default):
            \(DemoDefect.allCases.map { "  \($0.rawValue): \($0.summary)" }.joined(separator: "\n"))
            """)

    @Option(help: "The address to bind to.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to bind to (0 picks a free port).")
    var port: Int = 0

    @Option(name: .customLong("defect"), help: "Switch on a defect (repeatable): \(DemoDefect.allCases.map(\.rawValue).joined(separator: ", ")).")
    var defects: [String] = []

    @Option(name: .customLong("slow-ms"), help: "How late the 'slow' defect delivers offer.accepted, in milliseconds.")
    var slowMilliseconds: Int = 1500

    @Flag(help: "Log requests and connection events to standard error.")
    var verbose = false

    @Option(help: ArgumentHelp("A NATS server to publish the domain events on.", valueName: "nats://host:port"))
    var nats: String?

    @Option(help: ArgumentHelp("A Redis server to cache orders in.", valueName: "redis://host:port"))
    var redis: String?

    @Option(help: ArgumentHelp("An MQTT broker to mirror the notifications to.", valueName: "mqtt://host:port"))
    var mqtt: String?

    @Option(help: ArgumentHelp("A database to write users, orders and recharges to.", valueName: "sqlite:///path|postgres://…"))
    var database: String?

    @Option(name: .customLong("device-secret"), help: "The secret devices sign their client assertions with (HS256).")
    var deviceSecret: String?

    @Option(name: .customLong("device-token-ms"), help: "How long a device's access token lasts, in milliseconds.")
    var deviceTokenMilliseconds: Int = 2000

    @Option(name: .customLong("webhook-secret"), help: "The secret payment webhooks are signed with (HMAC-SHA256).")
    var webhookSecret: String?

    @Option(name: .customLong("sse-heartbeat-ms"), help: "How often an idle SSE stream gets a ': ping' comment, in milliseconds.")
    var sseHeartbeatMilliseconds: Int = 15_000

    func validate() throws {
        for name in defects where DemoDefect(rawValue: name) == nil {
            throw ValidationError("unknown defect '\(name)'; valid defects: \(DemoDefect.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard slowMilliseconds >= 0 else { throw ValidationError("--slow-ms must not be negative") }
        guard sseHeartbeatMilliseconds > 0 else { throw ValidationError("--sse-heartbeat-ms must be positive") }
        for (flag, url, scheme) in [("--nats", nats, "nats"), ("--redis", redis, "redis"), ("--mqtt", mqtt, "mqtt")] {
            if let url, !url.hasPrefix("\(scheme)://"), !url.hasPrefix("\(scheme)s://") || scheme != "mqtt" {
                throw ValidationError("\(flag) takes a \(scheme)://host:port URL, got '\(url)'")
            }
        }
    }

    func run() async throws {
        var config = DemoBackendConfiguration(
            host: host,
            port: port,
            defects: Set(defects.compactMap(DemoDefect.init(rawValue:))),
            slowDelay: .milliseconds(slowMilliseconds),
            verbose: verbose,
            natsURL: nats,
            redisURL: redis,
            mqttURL: mqtt,
            sseHeartbeat: .milliseconds(sseHeartbeatMilliseconds)
        )
        config.databaseURL = database
        config.deviceSecret = deviceSecret ?? ProcessInfo.processInfo.environment["DEMO_DEVICE_SECRET"]
        config.webhookSecret = webhookSecret ?? ProcessInfo.processInfo.environment["DEMO_WEBHOOK_SECRET"]
        config.deviceTokenLifetime = .milliseconds(deviceTokenMilliseconds)
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let listening = Mutex(false)
        let server = Task {
            try await DemoBackend.run(config) { port in
                listening.withLock { $0 = true }
                // `try?`: when whoever started us is gone, stdout is a broken pipe; that is no reason to crash.
                try? FileHandle.standardOutput.write(contentsOf: Data("herald-demo listening on http://\(shownHost):\(port)\n".utf8))
            }
        }
        let signals = SignalCancellation(signals: [SIGINT, SIGTERM]) { server.cancel() }
        defer { signals.stop() }
        do {
            try await server.value
        } catch let error as DemoBrokerError {
            // Said plainly, without ArgumentParser's "Error: " and usage.
            try? FileHandle.standardError.write(contentsOf: Data("herald-demo: \(error)\n".utf8))
            throw ExitCode.failure
        } catch where !listening.withLock({ $0 }) {
            throw StartFailure(address: "\(shownHost):\(port)", reason: error)
        }
    }
}

/// The backend could not start listening.
struct StartFailure: Error, CustomStringConvertible {
    let address: String
    let reason: any Error

    var description: String { "cannot listen on \(address): \(reason)" }
}

/// Turns SIGINT/SIGTERM into a call of `handler` (once per signal) instead of the default termination.
struct SignalCancellation {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable () -> Void) {
        sources = signals.map { signalNumber in
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { @Sendable in handler() }
            source.resume()
            return source
        }
    }

    /// Stops watching the signals.
    func stop() {
        for source in sources { source.cancel() }
    }
}
