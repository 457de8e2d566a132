import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A real PostgreSQL server for the tests and the demo: a new cluster made by `initdb` in a temporary folder,
/// started by `pg_ctl` on a free loopback port (its Unix socket in the same folder), with a user `herald` whose
/// password is asked for (scram-sha-256) on every connection. ``stop()`` ends it at once and removes the folder.
///
/// PostgreSQL refuses to run as root. Started by root, every server command runs as the `postgres` user that
/// Debian's `postgresql` package creates (`runuser -u postgres --`), in a folder that user owns.
public final class LocalPostgres: Sendable {
    /// The loopback port it listens on.
    public let port: Int
    /// The user's password.
    public let password: String
    /// The folder holding the cluster, its socket and its log.
    public let folder: String
    private let bin: String

    /// How long `initdb` and `pg_ctl start` may take (the machine may be busy).
    public static let startDeadline = Duration.seconds(60)

    /// `postgres://herald:PASSWORD@127.0.0.1:PORT/postgres`, or with another user, password or database.
    public func url(user: String = "herald", password: String? = nil, database: String = "postgres") -> String {
        "postgres://\(user):\(password ?? self.password)@127.0.0.1:\(port)/\(database)"
    }

    /// The newest PostgreSQL's programs folder (`/usr/lib/postgresql/N/bin` on Debian), or the folder of `initdb`
    /// on PATH.
    public static func binaries() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        for v in versions where FileManager.default.isExecutableFile(atPath: "\(root)/\(v)/bin/initdb") { return "\(root)/\(v)/bin" }
        return LocalBroker.locate("initdb").map { ($0 as NSString).deletingLastPathComponent }
    }

    /// Makes a cluster and starts it, blocking until it accepts connections.
    ///
    /// - Throws: ``LocalBrokerError`` naming the Debian package (`postgresql`) when it is not installed, or with the
    ///   end of the server's log when it does not start.
    public init(password: String = "pw-" + UUID().uuidString.prefix(12).lowercased()) throws {
        guard let bin = Self.binaries() else {
            throw LocalBrokerError("PostgreSQL's initdb is not installed (looked in /usr/lib/postgresql/*/bin and on PATH): apt-get install postgresql",
                                   missingPackage: "postgresql")
        }
        self.bin = bin
        self.password = password
        folder = NSTemporaryDirectory() + "herald-pg-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        do {
            try Self.handOver(folder)
            try (password + "\n").write(toFile: folder + "/pwfile", atomically: false, encoding: .utf8)
            try Self.handOver(folder + "/pwfile")
            try Self.run(bin + "/initdb", ["-D", folder + "/data", "-U", "herald", "--pwfile", folder + "/pwfile",
                                           "--auth", "scram-sha-256", "-E", "UTF8", "--locale", "C", "--no-sync"])
            var lastError: (any Error)?
            var chosen: Int?
            for _ in 0..<3 where chosen == nil {
                // A port picked free can be taken before the server binds it: try a few.
                let candidate = try LoopbackPort.free()
                do {
                    try Self.startServer(bin: bin, folder: folder, port: candidate)
                    chosen = candidate
                } catch {
                    lastError = error
                    _ = try? Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "-t", "30", "stop"])
                }
            }
            guard let chosen else { throw lastError ?? LocalBrokerError("no free port") }
            port = chosen
        } catch {
            let log = serverLogTail(folder + "/log")
            try? FileManager.default.removeItem(atPath: folder)
            throw LocalBrokerError("cannot start PostgreSQL: \(error)\(log.isEmpty ? "" : "\n" + log)")
        }
    }

    /// `pg_ctl start -w`: pg_ctl waits until the server says, in its `postmaster.pid`, that it accepts connections,
    /// within ``startDeadline``, and fails at once when the server has exited (its port taken, say). Nothing connects
    /// to find out: a connection while the server starts up is logged as a FATAL line although all is well.
    private static func startServer(bin: String, folder: String, port: Int) throws {
        try? FileManager.default.removeItem(atPath: folder + "/log")
        let seconds = Int(startDeadline.components.seconds) - 5
        try run(bin + "/pg_ctl", ["-D", folder + "/data", "-l", folder + "/log", "-w", "-t", String(seconds), "-o",
                                  "-k \(folder) -h 127.0.0.1 -p \(port) -c fsync=off -c full_page_writes=off", "start"])
    }

    /// Starts one like ``init(password:)`` on a thread of its own: the start blocks.
    public static func start() async throws -> LocalPostgres {
        try await offThePool { try LocalPostgres() }
    }

    /// Runs SQL with `psql` (a client of its own, not Herald's), as the `herald` user, and returns what it printed:
    /// rows unaligned, `|` between columns. Stops at the first error.
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.run(bin + "/psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "herald", "-d", database, "-X", "-q", "-A", "-t",
                                     "-v", "ON_ERROR_STOP=1", "-c", sql],
                     environment: ["PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"], asServer: false)
    }

    /// ``psql(_:database:)`` on a thread of its own.
    @discardableResult
    public func execute(_ sql: String) async throws -> String {
        try await offThePool { try self.psql(sql) }
    }

    /// Stops the server at once (`pg_ctl stop -m immediate`) and removes its folder. Idempotent.
    public func stop() {
        guard FileManager.default.fileExists(atPath: folder) else { return }
        _ = try? Self.run(bin + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "-w", "-t", "30", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// ``stop()`` on a thread of its own.
    public func stopped() async { try? await offThePool { self.stop() } }

    // MARK: - Processes

    private static var isRoot: Bool { getuid() == 0 }

    /// Gives `path` to the `postgres` user when running as root.
    private static func handOver(_ path: String) throws {
        guard isRoot else { return }
        guard let user = getpwnam("postgres") else {
            throw LocalBrokerError("running as root, PostgreSQL needs the 'postgres' user to run as: apt-get install postgresql",
                                   missingPackage: "postgresql")
        }
        guard chown(path, user.pointee.pw_uid, user.pointee.pw_gid) == 0 else { throw LocalBrokerError("cannot chown \(path): \(errno)") }
    }

    /// Runs a program to its end (at most ``startDeadline``) and returns its output; throws with it on failure. A
    /// server program runs as `postgres` when this process is root.
    ///
    /// Spawned and awaited with `posix_spawn` and `waitpid`, not Foundation's `Process`: `pg_ctl start` leaves the
    /// server running behind it, and `Process` took it for still running for as long as the server lived. The child
    /// gets no descriptor of this process but its standard ones, so the server never holds another child's pipe.
    @discardableResult
    private static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:],
                            asServer: Bool = true) throws -> String {
        let argv = asServer && isRoot ? [LocalBroker.locate("runuser") ?? "/usr/sbin/runuser", "-u", "postgres", "--", program] + arguments
            : [program] + arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        let output = NSTemporaryDirectory() + "herald-pg-out-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Every other descriptor of this process is marked close-on-exec (glibc's closefrom action is not imported);
        // a descriptor a child must inherit is always dup2'ed into place, which clears the mark on the copy.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            if let fd = Int32(name), fd > 2 { _ = fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC) }
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // No signal blocked in the child (the concurrency pool's threads block nearly all).
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let rc = withCStringArray(argv) { cArgv in
            withCStringArray(env.map { "\($0.key)=\($0.value)" }) { cEnv in posix_spawn(&pid, argv[0], &actions, &attributes, cArgv, cEnv) }
        }
        guard rc == 0 else { throw LocalBrokerError("cannot start \(argv[0]): error \(rc)") }
        let deadline = ContinuousClock.now + startDeadline
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                throw LocalBrokerError("\((program as NSString).lastPathComponent) did not finish within \(startDeadline)")
            }
            usleep(5_000)
        }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        // Exited normally with 0 (the wait status's low 7 bits are the signal, the next 8 the exit code).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw LocalBrokerError("\((program as NSString).lastPathComponent) failed (status \(status)): \(text)")
        }
        return text
    }

    /// Calls `body` with a NULL-terminated C array of copies of `strings`.
    private static func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        var copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        copies.append(nil)
        defer { for p in copies { free(p) } }
        return body(copies)
    }

}

/// Runs `body` with a fresh PostgreSQL server, and always stops it afterwards, also when `body` throws.
public func withLocalPostgres<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (LocalPostgres) async throws -> T
) async throws -> T {
    try await withStarted(try await LocalPostgres.start(), stop: { await $0.stopped() }, body)
}
