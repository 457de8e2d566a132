import Foundation
import HeraldCore
#if canImport(Glibc)
import Glibc
#endif

/// A broker the benchmark starts itself (`nats-server`, `redis-server` or `mosquitto`) on a free loopback port, with
/// its output in a log file in the bench's folder. `stop()` ends it; the command defers that, so it also happens on
/// an error.
///
/// Each broker is told not to drop or disconnect a slow subscriber while a burst is buffered for it (the defaults
/// would, past a few tens of megabytes or a thousand messages), so a long burst measures the receiver instead of
/// failing.
final class BrokerProcess {
    /// Which broker.
    let transport: IngestTransport
    /// The loopback port it listens on.
    let port: UInt16
    /// The child.
    private let process: Process
    /// Its standard output and error.
    private let logPath: String

    /// How long a started broker may take to accept connections.
    static let startDeadline = Duration.seconds(10)

    /// Starts the broker of `transport` and waits until it accepts connections; a port somebody else took in the
    /// meantime is tried again with another.
    ///
    /// - Throws: `BenchFailure` naming the Debian package when the broker is not installed, or with the end of its
    ///   log when it exits or does not accept connections within `startDeadline`.
    init(_ transport: IngestTransport, folder: String) throws {
        guard let name = transport.brokerExecutable else { throw BenchFailure("\(transport.rawValue) needs no broker") }
        guard let executable = Self.locate(name) else {
            throw BenchFailure("ingest --transport \(transport.rawValue) needs the \(name) broker, which is not installed "
                               + "(neither on PATH nor in /usr/sbin): apt-get install \(name)")
        }
        self.transport = transport
        logPath = (folder as NSString).appendingPathComponent("\(name).log")
        var attempt = 0
        while true {
            attempt += 1
            let candidate = try Loopback.freePort()
            do {
                process = try Self.start(executable, arguments: try Self.arguments(transport, port: candidate, folder: folder),
                                         port: candidate, logPath: logPath)
                port = candidate
                return
            } catch let failure as BenchFailure where attempt < 3 {
                FileHandle.standardError.write(Data("\(failure.description)\ntrying another port\n".utf8))
            }
        }
    }

    /// The URL clients connect to: `nats://127.0.0.1:PORT`, `redis://…`, `mqtt://…`.
    var url: String { "\(transport.scheme)://127.0.0.1:\(port)" }

    /// The child's process id.
    var pid: Int32 { process.processIdentifier }

    /// Stops the broker: SIGTERM, then SIGKILL after two seconds. Idempotent.
    func stop() { Interruption.shared.stop(process, grace: .seconds(2)) }

    /// The command line of the broker of `transport` on `port`, writing a configuration file into `folder` where
    /// the broker needs one.
    private static func arguments(_ transport: IngestTransport, port: UInt16, folder: String) throws -> [String] {
        switch transport {
        case .websocket:
            return []
        case .nats:
            // max_pending (default 64 MB) is the most a connection may have buffered before it is cut off as a slow
            // consumer; it has no command-line flag.
            let config = try write(["max_pending: 1073741824"], to: folder, as: "nats-server.conf")
            return ["-a", "127.0.0.1", "-p", String(port), "-c", config]
        case .redis:
            // pubsub 0 0 0: no output buffer limit for subscribers (the default cuts them off at 32 MB).
            return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--client-output-buffer-limit", "pubsub", "0", "0", "0"]
        case .mqtt:
            // max_queued_messages 0: no limit on what waits for a subscriber (mosquitto drops QoS 0 messages past
            // the default 1000).
            let config = try write(["listener \(port) 127.0.0.1", "allow_anonymous true", "persistence false",
                                    "max_queued_messages 0", "log_dest stderr"],
                                   to: folder, as: "mosquitto.conf")
            return ["-c", config]
        }
    }

    /// Writes `lines` into `folder/name` and returns its path.
    private static func write(_ lines: [String], to folder: String, as name: String) throws -> String {
        let path = (folder as NSString).appendingPathComponent(name)
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Starts `executable` with its output appended to `logPath` and waits until it accepts connections on `port`.
    private static func start(_ executable: String, arguments: [String], port: UInt16, logPath: String) throws -> Process {
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw BenchFailure("cannot write \(logPath)") }
        defer { try? log.close() }
        log.seekToEndOfFile()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        try Interruption.shared.launch(process)
        let name = (executable as NSString).lastPathComponent
        let deadline = ContinuousClock.now + startDeadline
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                Interruption.shared.stop(process, grace: .zero)
                throw BenchFailure("\(name) exited with status \(process.terminationStatus) on port \(port); its log ends:\n\(tail(logPath))")
            }
            // Still running after the probe: the listener is the broker's, not someone else's on a reused port.
            if Loopback.accepts(port), process.isRunning { return process }
            usleep(5_000)
        }
        Interruption.shared.stop(process, grace: .seconds(1))
        throw BenchFailure("\(name) did not accept connections on 127.0.0.1:\(port) within \(startDeadline); its log ends:\n\(tail(logPath))")
    }

    /// The path of `name` on PATH or in the usual system folders (brokers live in /usr/sbin, often not on PATH).
    private static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        return folders.map { ($0 as NSString).appendingPathComponent(name) }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The last lines of the file at `path`.
    private static func tail(_ path: String) -> String {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).map { "  \($0)" }.joined(separator: "\n")
    }
}
