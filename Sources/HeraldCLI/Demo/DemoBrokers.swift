import Foundation
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A message broker `herald demo` can start next to the demo backend.
enum DemoBroker: String, CaseIterable, Sendable, Comparable {
    case nats
    case redis
    case mqtt

    /// The server executable.
    var executable: String {
        switch self {
        case .nats: "nats-server"
        case .redis: "redis-server"
        case .mqtt: "mosquitto"
        }
    }

    /// The Debian package that installs it.
    var package: String {
        switch self {
        case .nats: "nats-server"
        case .redis: "redis-server"
        case .mqtt: "mosquitto"
        }
    }

    /// The name people know it by.
    var title: String {
        switch self {
        case .nats: "NATS"
        case .redis: "Redis"
        case .mqtt: "MQTT"
        }
    }

    /// The URL scheme of its address.
    var scheme: String { rawValue }

    /// The environment variable the contracts read its URL from: `NATS_URL`, `REDIS_URL`, `MQTT_URL`.
    var environmentName: String { "\(rawValue.uppercased())_URL" }

    /// The `herald-demo` option that hands it to the backend: `--nats`, `--redis`, `--mqtt`.
    var backendOption: String { "--\(rawValue)" }

    static func < (lhs: DemoBroker, rhs: DemoBroker) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// Which brokers `herald demo` started, and where they listen: what the contracts get as `NATS_URL`, `REDIS_URL`
/// and `MQTT_URL`, and what decides which contracts can run (a contract that needs a broker in ``missing`` cannot).
struct DemoBrokers: Sendable {
    /// The URL of each started broker (`nats://127.0.0.1:PORT`, `redis://…`, `mqtt://…`).
    let urls: [DemoBroker: String]
    /// The brokers that are not installed, so were not started.
    let missing: [DemoBroker]

    /// The brokers that run.
    var started: Set<DemoBroker> { Set(urls.keys) }

    /// Whether `broker` runs.
    func isRunning(_ broker: DemoBroker) -> Bool { urls[broker] != nil }

    /// `NATS_URL`, `REDIS_URL`, `MQTT_URL` for the started ones.
    var environment: [String: String] {
        Dictionary(uniqueKeysWithValues: urls.map { ($0.key.environmentName, $0.value) })
    }

    /// `--nats URL --redis URL --mqtt URL` for `herald-demo`, for the started ones.
    var backendArguments: [String] {
        urls.keys.sorted().flatMap { [$0.backendOption, urls[$0] ?? ""] }
    }
}

/// The broker servers `herald demo` runs: each on a free loopback port, with a throwaway configuration and log in a
/// temporary folder (removed once they all run: they keep nothing on disk), started with ``ChildProcess`` and
/// stopped (SIGTERM, then SIGKILL) by ``stop()``, also when `herald` exits another way (see ``DemoChildren``).
final class DemoBrokerProcesses {
    /// What runs, and what is missing.
    let brokers: DemoBrokers
    private let processes: [(DemoBroker, Process)]
    private var stopped = false

    private init(brokers: DemoBrokers, processes: [(DemoBroker, Process)]) {
        self.brokers = brokers
        self.processes = processes
    }

    /// How long a broker may take to accept connections.
    static let startTimeout: Duration = .seconds(10)

    /// Starts every installed broker of `wanted` and waits until each accepts connections. A broker that is not
    /// installed is skipped (``DemoBrokers/missing``).
    /// - Throws: `InfrastructureError` when an installed broker does not start (what it logged is in the message);
    ///   those already started are stopped.
    static func start(_ wanted: [DemoBroker] = DemoBroker.allCases) throws -> DemoBrokerProcesses {
        removeAbandonedFolders()
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(folderPrefix)\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var started: [(DemoBroker, Process)] = []
        var urls: [DemoBroker: String] = [:]
        var missing: [DemoBroker] = []
        do {
            for broker in wanted {
                guard let executable = locate(broker.executable) else {
                    missing.append(broker)
                    continue
                }
                let (process, port) = try launch(broker, executable: executable, in: folder)
                started.append((broker, process))
                urls[broker] = "\(broker.scheme)://127.0.0.1:\(port)"
            }
        } catch {
            for (_, process) in started { stopProcess(process) }
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        // Every broker has read its configuration and runs without persistence: nothing needs the folder now.
        try? FileManager.default.removeItem(at: folder)
        return DemoBrokerProcesses(brokers: DemoBrokers(urls: urls, missing: missing), processes: started)
    }

    /// The temporary folders are `herald-demo-brokers-<pid of herald>-<random>`.
    private static let folderPrefix = "herald-demo-brokers-"

    /// Removes the folders of `herald demo` runs that were killed while starting their brokers (whose process is
    /// gone): the one moment a folder can be left behind.
    private static func removeAbandonedFolders() {
        let temporary = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(folderPrefix) {
            guard let pid = name.dropFirst(folderPrefix.count).split(separator: "-").first.flatMap({ Int32($0) }),
                  pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
    }

    /// Stops every broker (SIGTERM to all, then each is waited for; SIGKILL after 3 s). Idempotent.
    func stop() {
        guard !stopped else { return }
        stopped = true
        for (_, process) in processes where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for (_, process) in processes { Self.stopProcess(process) }
    }

    private static func stopProcess(_ process: Process) {
        ChildProcess.stop(process, grace: .seconds(3))
        DemoChildren.forget(process.processIdentifier)
    }

    /// The executable on `PATH`, or in `/usr/sbin`, `/usr/bin` and `/usr/local/…`.
    static func locate(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let directories = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
        return directories.lazy.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts `broker` on a free port (three tries, as a port found free can be taken before the server binds it)
    /// and waits until it accepts connections.
    private static func launch(_ broker: DemoBroker, executable: String, in folder: URL) throws -> (Process, Int) {
        var lastFailure = ""
        for attempt in 1...3 {
            let port = try freePort()
            let log = folder.appendingPathComponent("\(broker.rawValue)-\(attempt).log")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = try arguments(broker, port: port, folder: folder)
            process.currentDirectoryURL = folder
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let output = try FileHandle(forWritingTo: log)
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = output
            process.standardError = output
            do {
                try ChildProcess.launch(process)
            } catch {
                try? output.close()
                throw InfrastructureError("cannot start \(executable): \(error)")
            }
            try? output.close()
            DemoChildren.remember(process.processIdentifier)
            if waitUntilAccepting(process, port: port) { return (process, port) }
            stopProcess(process)
            let logged = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            lastFailure = logged.split(separator: "\n").suffix(8).joined(separator: "\n")
        }
        throw InfrastructureError("\(broker.executable) did not start on a loopback port"
                                  + (lastFailure.isEmpty ? "" : ":\n\(lastFailure)"),
                                  hint: "check that \(broker.executable) runs: \(executable) --help")
    }

    private static func arguments(_ broker: DemoBroker, port: Int, folder: URL) throws -> [String] {
        switch broker {
        case .nats:
            return ["-a", "127.0.0.1", "-p", String(port)]
        case .redis:
            // Keyspace notifications on, so cache contracts can watch `order:*` without changing the server.
            return ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--notify-keyspace-events", "KEA"]
        case .mqtt:
            let config = folder.appendingPathComponent("mosquitto.conf")
            let lines = ["listener \(port) 127.0.0.1", "allow_anonymous true", "persistence false", "log_dest stderr"]
            try (lines.joined(separator: "\n") + "\n").write(to: config, atomically: true, encoding: .utf8)
            return ["-c", config.path]
        }
    }

    /// Polls until a TCP connection to the port succeeds, the process exits, or ``startTimeout`` passes.
    private static func waitUntilAccepting(_ process: Process, port: Int) -> Bool {
        let deadline = ContinuousClock.now + startTimeout
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return false }
            if canConnect(port) { return true }
            usleep(10_000)
        }
        return false
    }

    private static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    /// A loopback port that was free a moment ago (bound to port 0, then closed).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw InfrastructureError("cannot open a socket to find a free port (errno \(errno))") }
        defer { close(fd) }
        var address = loopback(0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw InfrastructureError("cannot bind a loopback port (errno \(errno))") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return address
    }
}

/// The child processes of `herald demo` (brokers and backend), stopped when `herald` ends without stopping them
/// itself: at `exit` (a second Ctrl-C during the run exits at once), or on SIGINT/SIGTERM outside the run's own
/// interrupt handling (while the children start, and while they are being stopped).
enum DemoChildren {
    private static let pids = Mutex<Set<Int32>>([])
    private static let installed = Mutex(false)

    // The same pids in fixed slots of lock-free atomics, for the signal handler (which may not take a lock).
    private static let slot0 = Atomic<Int32>(0)
    private static let slot1 = Atomic<Int32>(0)
    private static let slot2 = Atomic<Int32>(0)
    private static let slot3 = Atomic<Int32>(0)
    private static let slot4 = Atomic<Int32>(0)
    private static let slot5 = Atomic<Int32>(0)
    private static let slot6 = Atomic<Int32>(0)
    private static let slot7 = Atomic<Int32>(0)
    private static let slotCount = 8

    private static func slot(_ index: Int) -> Int32 {
        switch index {
        case 0: slot0.load(ordering: .acquiring)
        case 1: slot1.load(ordering: .acquiring)
        case 2: slot2.load(ordering: .acquiring)
        case 3: slot3.load(ordering: .acquiring)
        case 4: slot4.load(ordering: .acquiring)
        case 5: slot5.load(ordering: .acquiring)
        case 6: slot6.load(ordering: .acquiring)
        default: slot7.load(ordering: .acquiring)
        }
    }

    private static func setSlot(_ index: Int, _ pid: Int32) {
        switch index {
        case 0: slot0.store(pid, ordering: .releasing)
        case 1: slot1.store(pid, ordering: .releasing)
        case 2: slot2.store(pid, ordering: .releasing)
        case 3: slot3.store(pid, ordering: .releasing)
        case 4: slot4.store(pid, ordering: .releasing)
        case 5: slot5.store(pid, ordering: .releasing)
        case 6: slot6.store(pid, ordering: .releasing)
        default: slot7.store(pid, ordering: .releasing)
        }
    }

    /// Watches `pid` from now on.
    static func remember(_ pid: Int32) {
        installOnce()
        pids.withLock { pids in
            pids.insert(pid)
            if let free = (0..<slotCount).first(where: { slot($0) == 0 }) { setSlot(free, pid) }
        }
    }

    /// Stops watching `pid` (it was stopped properly).
    static func forget(_ pid: Int32) {
        pids.withLock { pids in
            pids.remove(pid)
            for index in 0..<slotCount where slot(index) == pid { setSlot(index, 0) }
        }
    }

    /// SIGTERM to every remembered child that still runs, SIGKILL to those still there 1 s later.
    static func killAll() {
        let all = pids.withLock { pids in
            defer { pids.removeAll() }
            for index in 0..<slotCount { setSlot(index, 0) }
            return pids
        }
        var left = all.filter(isRunningChild)
        guard !left.isEmpty else { return }
        for pid in left { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(1)
        while !left.isEmpty, ContinuousClock.now < deadline {
            usleep(10_000)
            left = left.filter(isRunningChild)
        }
        for pid in left { kill(pid, SIGKILL) }
    }

    /// Makes SIGINT and SIGTERM send SIGTERM to every remembered child and exit with 130 at once. For the start,
    /// before the run's own interrupt handling, which replaces this when it begins (it sets the signals to SIG_IGN
    /// and watches them itself).
    static func installInterruptHandler() {
        installOnce()
        for index in 0..<slotCount { _ = slot(index) }   // initialised now, not in the handler
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in DemoChildren.terminateFromSignalHandler() }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
    }

    /// Only async-signal-safe calls: atomic loads, `kill`, `write`, `_exit`.
    private static func terminateFromSignalHandler() {
        for index in 0..<slotCount {
            let pid = slot(index)
            if pid > 0 { kill(pid, SIGTERM) }
        }
        let message: StaticString = "\ninterrupted: stopped the demo's brokers and backend\n"
        _ = write(STDERR_FILENO, message.utf8Start, message.utf8CodeUnitCount)
        _exit(130)
    }

    /// Whether `pid` is a child of this process that has not exited: a pid that was reaped and reused by someone
    /// else is never signalled.
    private static func isRunningChild(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 1, let parent = Int32(fields[1]) else { return false }
        return parent == getpid() && fields[0] != "Z"
    }

    private static func installOnce() {
        let first = installed.withLock { done in
            defer { done = true }
            return !done
        }
        if first { atexit { DemoChildren.killAll() } }
    }
}
