import Foundation
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A message broker the tests start: which server, with which extra arguments.
struct Broker: Sendable {
    enum Kind: Sendable {
        case redis
        case nats
        case mosquitto

        var name: String {
            switch self {
            case .redis: "redis-server"
            case .nats: "nats-server"
            case .mosquitto: "mosquitto"
            }
        }

        /// The Debian package that installs the server.
        var package: String {
            switch self {
            case .redis: "redis-server"
            case .nats: "nats-server"
            case .mosquitto: "mosquitto"
            }
        }

        var scheme: String {
            switch self {
            case .redis: "redis"
            case .nats: "nats"
            case .mosquitto: "mqtt"
            }
        }
    }

    let kind: Kind
    /// Command-line arguments; for mosquitto, extra lines of its generated configuration file.
    let arguments: [String]
    /// mosquitto only: users and passwords for a generated `password_file` (anonymous clients are then refused).
    var users: [String: String] = [:]

    /// `redis-server` on a loopback port, with no persistence.
    static let redis = Broker(kind: .redis, arguments: [])
    /// `nats-server` on a loopback port.
    static let nats = Broker(kind: .nats, arguments: [])
    /// `mosquitto` on a loopback port, from a generated configuration: anonymous clients allowed, no persistence.
    static let mosquitto = Broker(kind: .mosquitto, arguments: [])

    /// The same broker with more command-line arguments (e.g. `--requirepass s3cret`, `--user u --pass p`); for
    /// mosquitto, more configuration lines (e.g. `acl_file /path`).
    func with(_ more: String...) -> Broker {
        Broker(kind: kind, arguments: arguments + more, users: users)
    }

    /// mosquitto with a password file holding `user` (made with `mosquitto_passwd -b`): only known users get in.
    func withUser(_ user: String, password: String) -> Broker {
        var copy = self
        copy.users[user] = password
        return copy
    }
}

/// A real `redis-server`, `nats-server` or `mosquitto` child process on a free loopback port, with its output in a
/// log file (and, for mosquitto, a generated configuration and password file next to it).
/// Started with `ChildProcess.launch` (so it gets an unblocked signal mask) and stopped with `ChildProcess.stop`.
final class BrokerServer: Sendable {
    let broker: Broker
    let port: Int
    private let executable: URL
    private let logFile: String
    private let process = Mutex<Process?>(nil)

    fileprivate init(_ broker: Broker) throws {
        self.broker = broker
        executable = try Self.locate(broker.kind)
        logFile = NSTemporaryDirectory() + "herald-\(broker.kind.name)-\(UUID().uuidString).log"
        // A port picked free can be taken before the server binds it: try a few.
        var lastError: (any Error)?
        for _ in 0..<3 {
            let candidate = try ScriptedServer.closedPort()
            do {
                let started = try Self.start(broker, executable: executable, port: candidate, logFile: logFile)
                self.port = candidate
                process.withLock { $0 = started }
                return
            } catch {
                lastError = error
            }
        }
        throw lastError ?? ScriptFailure("cannot start \(broker.kind.name)")
    }

    /// `scheme://127.0.0.1:PORT`, with `userinfo@` when given and `path` appended.
    func url(userinfo: String? = nil, path: String = "") -> String {
        "\(broker.kind.scheme)://\(userinfo.map { "\($0)@" } ?? "")127.0.0.1:\(port)\(path)"
    }

    /// `url()` without credentials.
    var url: String { url() }

    /// Kills the server at once (SIGKILL), as a crash would, and waits until it is gone.
    func kill() {
        guard let p = process.withLock({ $0 }) else { return }
        if p.isRunning {
            Glibc.kill(p.processIdentifier, SIGKILL)
            _ = ChildProcess.waitBlocking(for: p, timeout: .seconds(5))
        }
    }

    /// Starts the server again on the same port (after `kill()`), and waits until it accepts connections.
    func restart() throws {
        kill()
        let started = try Self.start(broker, executable: executable, port: port, logFile: logFile)
        process.withLock { $0 = started }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 3 s) and removes its log (and generated files).
    func stop() {
        if let p = process.withLock({ $0 }) { ChildProcess.stop(p) }
        for file in [logFile, Self.configFile(logFile), Self.passwordFile(logFile)] {
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    /// What the broker wrote to its log so far (the last lines), for failure messages.
    var logTail: String { Self.tail(logFile) }

    // MARK: - Starting

    private static func start(_ broker: Broker, executable: URL, port: Int, logFile: String) throws -> Process {
        if !FileManager.default.fileExists(atPath: logFile) {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logFile) else { throw ScriptFailure("cannot write \(logFile)") }
        log.seekToEndOfFile()
        let p = Process()
        p.executableURL = executable
        p.arguments = try arguments(broker, port: port, logFile: logFile)
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = log
        p.standardError = log
        try ChildProcess.launch(p)
        try? log.close()
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if !p.isRunning {
                throw ScriptFailure("\(broker.kind.name) exited with status \(p.terminationStatus) on port \(port):\n"
                                    + tail(logFile))
            }
            if canConnect(port) { return p }
            usleep(5_000)
        }
        ChildProcess.stop(p)
        throw ScriptFailure("\(broker.kind.name) did not accept connections on port \(port) within 10 s:\n" + tail(logFile))
    }

    private static func arguments(_ broker: Broker, port: Int, logFile: String) throws -> [String] {
        switch broker.kind {
        case .redis:
            return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"] + broker.arguments
        case .nats:
            return ["-a", "127.0.0.1", "-p", String(port)] + broker.arguments
        case .mosquitto:
            return ["-c", try mosquittoConfig(broker, port: port, logFile: logFile)]
        }
    }

    static func configFile(_ logFile: String) -> String { logFile + ".conf" }
    static func passwordFile(_ logFile: String) -> String { logFile + ".passwd" }

    /// Writes mosquitto's configuration (and password file) and returns its path.
    private static func mosquittoConfig(_ broker: Broker, port: Int, logFile: String) throws -> String {
        var lines = ["listener \(port) 127.0.0.1", "persistence false", "log_dest stderr", "log_type all"]
        if broker.users.isEmpty {
            lines.append("allow_anonymous true")
        } else {
            let passwords = passwordFile(logFile)
            try? FileManager.default.removeItem(atPath: passwords)
            for (user, password) in broker.users.sorted(by: { $0.key < $1.key }) {
                try runMosquittoPasswd(passwords, user: user, password: password)
            }
            // mosquitto started as root reads the file after switching to its own user.
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: passwords)
            lines += ["allow_anonymous false", "password_file \(passwords)"]
        }
        lines += broker.arguments
        let config = configFile(logFile)
        try (lines.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
        return config
    }

    private static func runMosquittoPasswd(_ file: String, user: String, password: String) throws {
        let tool = try locate(executable: "mosquitto_passwd", package: "mosquitto")
        let p = Process()
        p.executableURL = tool
        let create = !FileManager.default.fileExists(atPath: file)
        p.arguments = (create ? ["-c"] : []) + ["-b", file, user, password]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try ChildProcess.launch(p)
        guard ChildProcess.waitBlocking(for: p, timeout: .seconds(10)), p.terminationStatus == 0 else {
            ChildProcess.stop(p)
            throw ScriptFailure("mosquitto_passwd failed for \(file)")
        }
    }

    /// The server binary, or a failure that says which Debian package to install (tests never skip for this).
    private static func locate(_ kind: Broker.Kind) throws -> URL {
        try locate(executable: kind.name, package: kind.package)
    }

    private static func locate(executable name: String, package: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]
        for directory in directories {
            let candidate = directory + "/" + name
            if FileManager.default.isExecutableFile(atPath: candidate) { return URL(fileURLWithPath: candidate) }
        }
        throw ScriptFailure("these tests need \(name) (a real broker or its tool): sudo apt-get install \(package)")
    }

    private static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func tail(_ file: String) -> String {
        let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(15).joined(separator: "\n")
    }
}

/// Runs `body` with a fresh `broker` server, and always stops it afterwards, also when `body` throws.
func withBroker<T>(
    _ broker: Broker,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (BrokerServer) async throws -> T
) async throws -> T {
    let server = try BrokerServer(broker)
    defer { server.stop() }
    return try await body(server)
}

/// Reads an `AsyncStream` on a task of its own into a list that tests can wait on.
final class StreamRecorder<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var finished = false
    }

    private final class Box: Sendable {
        let state = Mutex(State())
    }

    private let box = Box()
    private let task: Task<Void, Never>

    init(_ stream: AsyncStream<Element>) {
        let box = self.box
        task = Task {
            for await item in stream { box.state.withLock { $0.items.append(item) } }
            box.state.withLock { $0.finished = true }
        }
    }

    deinit { task.cancel() }

    /// What arrived so far.
    var items: [Element] { box.state.withLock { $0.items } }

    /// Whether the stream has finished.
    var isFinished: Bool { box.state.withLock { $0.finished } }

    /// Waits until `predicate` holds for what arrived (at most `timeout`), and returns it. Fails early when the
    /// stream finishes without it.
    @discardableResult
    func wait(for what: String, timeout: Duration = .seconds(5),
              until predicate: ([Element]) -> Bool) async throws -> [Element] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let (items, finished) = box.state.withLock { ($0.items, $0.finished) }
            if predicate(items) { return items }
            if finished { throw TimedOut(what: "\(what): the stream finished first, after \(items.count) events") }
            if ContinuousClock.now >= deadline { throw TimedOut(what: "\(what) (got \(items.count) events)") }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    /// Waits until the stream finishes (at most `timeout`) and returns everything it carried.
    @discardableResult
    func waitUntilFinished(timeout: Duration = .seconds(5)) async throws -> [Element] {
        let deadline = ContinuousClock.now + timeout
        while !isFinished {
            if ContinuousClock.now >= deadline { throw TimedOut(what: "the stream to finish (got \(items.count) events)") }
            try await Task.sleep(for: .milliseconds(2))
        }
        return items
    }
}
