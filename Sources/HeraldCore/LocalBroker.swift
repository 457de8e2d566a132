import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A message broker to start on this machine: which server, with which extra arguments. `herald demo`, the tests
/// and the benchmark all start theirs through ``LocalBrokerServer``.
public struct LocalBroker: Sendable {
    /// The servers Herald knows how to start.
    public enum Kind: String, Sendable, CaseIterable {
        /// `redis-server`.
        case redis
        /// `nats-server`.
        case nats
        /// `mosquitto` (MQTT).
        case mosquitto

        /// The executable.
        public var executable: String {
            switch self {
            case .redis: "redis-server"
            case .nats: "nats-server"
            case .mosquitto: "mosquitto"
            }
        }

        /// The Debian package that installs it.
        public var package: String { executable }

        /// The URL scheme clients use.
        public var scheme: String {
            switch self {
            case .redis: "redis"
            case .nats: "nats"
            case .mosquitto: "mqtt"
            }
        }
    }

    /// Which server.
    public let kind: Kind
    /// Extra command-line arguments; for mosquitto, extra lines of its generated configuration file.
    public let arguments: [String]
    /// mosquitto only: users and passwords for a generated `password_file` (anonymous clients are then refused).
    public var users: [String: String] = [:]

    /// Creates a description.
    public init(kind: Kind, arguments: [String] = [], users: [String: String] = [:]) {
        self.kind = kind
        self.arguments = arguments
        self.users = users
    }

    /// `redis-server` on a loopback port, with no persistence.
    public static let redis = LocalBroker(kind: .redis)
    /// `nats-server` on a loopback port.
    public static let nats = LocalBroker(kind: .nats)
    /// `mosquitto` on a loopback port, from a generated configuration: anonymous clients allowed, no persistence.
    public static let mosquitto = LocalBroker(kind: .mosquitto)

    /// The same broker with more command-line arguments (e.g. `--requirepass s3cret`); for mosquitto, more
    /// configuration lines (e.g. `max_queued_messages 0`).
    public func with(_ more: String...) -> LocalBroker { with(arguments: more) }

    /// The same broker with more command-line arguments (or mosquitto configuration lines).
    public func with(arguments more: [String]) -> LocalBroker {
        LocalBroker(kind: kind, arguments: arguments + more, users: users)
    }

    /// mosquitto with a password file holding `user` (made with `mosquitto_passwd -b`): only known users get in.
    public func withUser(_ user: String, password: String) -> LocalBroker {
        var copy = self
        copy.users[user] = password
        return copy
    }

    /// The path of `name` on PATH or in the usual system folders (`/usr/sbin` is not on every user's PATH).
    public static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]
        return directories.map { $0 + "/" + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Whether the server is installed.
    public var isInstalled: Bool { Self.locate(kind.executable) != nil }
}

/// Why a local broker could not be started.
public struct LocalBrokerError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, with the end of the broker's log when it wrote one.
    public let description: String
    /// The server (or its tool) is not installed; `package` is the Debian package to install.
    public let missingPackage: String?

    init(_ description: String, missingPackage: String? = nil) {
        self.description = description
        self.missingPackage = missingPackage
    }
}

/// A real `redis-server`, `nats-server` or `mosquitto` child process on a free loopback port, with its output in a
/// log file (and, for mosquitto, a generated configuration and password file next to it). Started with
/// `ChildProcess.launch` (so it gets an unblocked signal mask); `stop()` ends it and removes its files.
public final class LocalBrokerServer: Sendable {
    /// What was started.
    public let broker: LocalBroker
    /// The loopback port it listens on.
    public let port: Int
    private let executable: String
    private let logFile: String
    private let process = Mutex<Process?>(nil)

    /// How long a started broker may take to accept connections.
    public static let startDeadline = Duration.seconds(10)

    /// Starts `broker` on a free loopback port and waits until it accepts connections.
    ///
    /// - Parameter folder: where its log and generated files go (default: the temporary folder).
    /// - Throws: ``LocalBrokerError`` naming the Debian package when the server is not installed, or with the end of
    ///   its log when it exits or does not accept connections within ``startDeadline``.
    public init(_ broker: LocalBroker, folder: String? = nil) throws {
        self.broker = broker
        guard let executable = LocalBroker.locate(broker.kind.executable) else {
            throw LocalBrokerError("\(broker.kind.executable) is not installed (neither on PATH nor in /usr/sbin): apt-get install \(broker.kind.package)",
                                   missingPackage: broker.kind.package)
        }
        self.executable = executable
        logFile = (folder ?? NSTemporaryDirectory()) + "/herald-\(broker.kind.executable)-\(UUID().uuidString).log"
        // A port picked free can be taken before the server binds it: try a few.
        var lastError: (any Error)?
        for _ in 0..<3 {
            let candidate = try LoopbackPort.free()
            do {
                let started = try Self.start(broker, executable: executable, port: candidate, logFile: logFile)
                self.port = candidate
                process.withLock { $0 = started }
                return
            } catch {
                lastError = error
            }
        }
        throw lastError ?? LocalBrokerError("cannot start \(broker.kind.executable)")
    }

    /// `scheme://127.0.0.1:PORT`, with `userinfo@` when given and `path` appended.
    public func url(userinfo: String? = nil, path: String = "") -> String {
        "\(broker.kind.scheme)://\(userinfo.map { "\($0)@" } ?? "")127.0.0.1:\(port)\(path)"
    }

    /// `url()` without credentials.
    public var url: String { url() }

    /// The server's process id, while it runs.
    public var pid: Int32? { process.withLock { $0?.isRunning == true ? $0?.processIdentifier : nil } }

    /// Kills the server at once (SIGKILL), as a crash would, and waits until it is gone.
    public func kill() {
        guard let p = process.withLock({ $0 }) else { return }
        if p.isRunning {
            Glibc.kill(p.processIdentifier, SIGKILL)
            _ = ChildProcess.waitBlocking(for: p, timeout: .seconds(5))
        }
    }

    /// Starts `broker` like ``init(_:folder:)``, waiting on a thread of its own: the wait blocks, and an async caller
    /// must not hold one of the few threads that run every task.
    public static func start(_ broker: LocalBroker, folder: String? = nil) async throws -> LocalBrokerServer {
        try await offThePool { try LocalBrokerServer(broker, folder: folder) }
    }

    /// Starts the server again on the same port (after `kill()`), and waits, on a thread of its own, until it
    /// accepts connections.
    public func restart() async throws {
        try await offThePool { try self.restartBlocking() }
    }

    /// Stops the server like ``stop()``, waiting on a thread of its own.
    public func stopped() async {
        try? await offThePool { self.stop() }
    }

    /// Starts the server again on the same port, blocking until it accepts connections.
    private func restartBlocking() throws {
        kill()
        let started = try Self.start(broker, executable: executable, port: port, logFile: logFile)
        process.withLock { $0 = started }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 3 s) and removes its log and generated files. Idempotent.
    public func stop() {
        if let p = process.withLock({ p in defer { p = nil }; return p }) { ChildProcess.stop(p) }
        for file in [logFile, Self.configFile(logFile), Self.passwordFile(logFile)] {
            try? FileManager.default.removeItem(atPath: file)
        }
    }

    /// The last lines the broker wrote to its log, for failure messages.
    public var logTail: String { serverLogTail(logFile) }

    // MARK: - Starting

    private static func start(_ broker: LocalBroker, executable: String, port: Int, logFile: String) throws -> Process {
        if !FileManager.default.fileExists(atPath: logFile) {
            _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logFile) else { throw LocalBrokerError("cannot write \(logFile)") }
        log.seekToEndOfFile()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = try arguments(broker, port: port, logFile: logFile)
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = log
        p.standardError = log
        try ChildProcess.launch(p)
        try? log.close()
        let deadline = ContinuousClock.now + startDeadline
        while ContinuousClock.now < deadline {
            if !p.isRunning {
                throw LocalBrokerError("\(broker.kind.executable) exited with status \(p.terminationStatus) on port \(port):\n" + serverLogTail(logFile))
            }
            if LoopbackPort.accepts(port) { return p }
            usleep(5_000)
        }
        ChildProcess.stop(p)
        throw LocalBrokerError("\(broker.kind.executable) did not accept connections on port \(port) within \(startDeadline):\n" + serverLogTail(logFile))
    }

    private static func arguments(_ broker: LocalBroker, port: Int, logFile: String) throws -> [String] {
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
    private static func mosquittoConfig(_ broker: LocalBroker, port: Int, logFile: String) throws -> String {
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
        guard let tool = LocalBroker.locate("mosquitto_passwd") else {
            throw LocalBrokerError("mosquitto_passwd is not installed: apt-get install mosquitto", missingPackage: "mosquitto")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        let create = !FileManager.default.fileExists(atPath: file)
        p.arguments = (create ? ["-c"] : []) + ["-b", file, user, password]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try ChildProcess.launch(p)
        guard ChildProcess.waitBlocking(for: p, timeout: .seconds(10)), p.terminationStatus == 0 else {
            ChildProcess.stop(p)
            throw LocalBrokerError("mosquitto_passwd failed for \(file)")
        }
    }

}

/// The last 15 lines of a server's log file (empty when it cannot be read), for an error that says why it stopped.
func serverLogTail(_ file: String) -> String {
    let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").suffix(15).joined(separator: "\n")
}

/// Runs `body` with a fresh `broker` server, and always stops it afterwards, also when `body` throws.
public func withLocalBroker<T>(
    _ broker: LocalBroker,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (LocalBrokerServer) async throws -> T
) async throws -> T {
    try await withStarted(try await LocalBrokerServer.start(broker), stop: { await $0.stopped() }, body)
}

/// Runs `body` with the server `start` gives, and always `stop`s it afterwards, also when `body` throws.
func withStarted<Server, T>(
    isolation: isolated (any Actor)? = #isolation,
    _ start: @autoclosure () async throws -> Server,
    stop: (Server) async -> Void,
    _ body: (Server) async throws -> T
) async throws -> T {
    let server = try await start()
    do {
        let result = try await body(server)
        await stop(server)
        return result
    } catch {
        await stop(server)
        throw error
    }
}

/// Runs blocking `work` (starting a server and waiting for it, say) on a thread of GCD's, so that it does not hold one
/// of the cooperative pool's threads, which are as many as there are cores and run every task, while it waits.
public func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// TCP ports on 127.0.0.1: a free one, and whether one accepts connections.
public enum LoopbackPort {
    /// A loopback port nobody listens on right now (the kernel's pick, released at once): a child server can take
    /// it, unless someone else is quicker, which callers handle by trying again.
    public static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalBrokerError("socket() failed: \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard named else { throw LocalBrokerError("cannot bind a loopback port: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A loopback port that refuses connections and stays refused: it is bound, never listened on, and held until the
    /// process ends, so no server started meanwhile (tests run in parallel) can take it. For "unreachable" tests.
    public static func refusing() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LocalBrokerError("socket() failed: \(errno)") }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard named else {
            close(fd)
            throw LocalBrokerError("cannot bind a loopback port: \(errno)")
        }
        // Deliberately left open: the descriptor is what keeps the port from being taken.
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on `port`.
    public static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}
