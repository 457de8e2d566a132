import Foundation
import HeraldCore

#if canImport(Glibc)
import Glibc
#endif

/// A message broker `herald demo` can start next to the demo backend.
enum DemoBroker: String, CaseIterable, Sendable, Comparable {
    case nats
    case redis
    case mqtt

    /// The server, as HeraldCore's launcher knows it. Redis gets keyspace notifications switched on, so cache
    /// contracts can watch `order:*` without changing the server's configuration themselves.
    var server: LocalBroker {
        switch self {
        case .nats: .nats
        case .redis: LocalBroker.redis.with("--notify-keyspace-events", "KEA")
        case .mqtt: .mosquitto
        }
    }

    /// The server executable.
    var executable: String { server.kind.executable }

    /// The Debian package that installs it.
    var package: String { server.kind.package }

    /// The name people know it by.
    var title: String {
        switch self {
        case .nats: "NATS"
        case .redis: "Redis"
        case .mqtt: "MQTT"
        }
    }

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

/// The broker servers `herald demo` runs, through HeraldCore's ``LocalBrokerServer``: each on a free loopback
/// port, with a throwaway configuration and log in a temporary folder (removed once they all run: they keep
/// nothing on disk), stopped by ``stop()``, and also when `herald` ends another way (see ``DemoWatchdog``).
final class DemoBrokerProcesses {
    /// What runs, and what is missing.
    let brokers: DemoBrokers
    private let servers: [LocalBrokerServer]
    private var stopped = false

    private init(brokers: DemoBrokers, servers: [LocalBrokerServer]) {
        self.brokers = brokers
        self.servers = servers
    }

    /// Starts every installed broker of `wanted` and waits until each accepts connections (at most
    /// ``LocalBrokerServer/startDeadline`` each). A broker that is not installed is skipped (``DemoBrokers/missing``).
    /// - Throws: `InfrastructureError` when an installed broker does not start (with what it logged); those already
    ///   started are stopped.
    static func start(_ wanted: [DemoBroker] = DemoBroker.allCases) throws -> DemoBrokerProcesses {
        removeAbandonedFolders()
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(folderPrefix)\(getpid())-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var servers: [LocalBrokerServer] = []
        var urls: [DemoBroker: String] = [:]
        var missing: [DemoBroker] = []
        do {
            for broker in wanted {
                guard broker.server.isInstalled else {
                    missing.append(broker)
                    continue
                }
                let server: LocalBrokerServer
                do {
                    server = try LocalBrokerServer(broker.server, folder: folder.path)
                } catch {
                    throw InfrastructureError("cannot start the \(broker.title) broker: \(error)",
                                              hint: "check that \(broker.executable) runs on this machine")
                }
                if let pid = server.pid { DemoWatchdog.watch(pid) }
                servers.append(server)
                urls[broker] = server.url
            }
        } catch {
            stop(servers)
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
        // Every broker has read its configuration and runs without persistence: nothing needs the folder now.
        try? FileManager.default.removeItem(at: folder)
        return DemoBrokerProcesses(brokers: DemoBrokers(urls: urls, missing: missing), servers: servers)
    }

    /// Stops every broker (SIGTERM to all at once, then each is waited for; SIGKILL after 3 s). Idempotent.
    func stop() {
        guard !stopped else { return }
        stopped = true
        Self.stop(servers)
    }

    private static func stop(_ servers: [LocalBrokerServer]) {
        let pids = servers.compactMap(\.pid)
        for pid in pids { kill(pid, SIGTERM) }
        for server in servers { server.stop() }
        for pid in pids { DemoWatchdog.forget(pid) }
    }

    /// The temporary folders are `herald-demo-brokers-<pid of herald>-<random>`.
    private static let folderPrefix = "herald-demo-brokers-"

    /// Removes the folders of `herald demo` runs whose process is gone: one killed outright (SIGKILL, a crash) while
    /// it started its brokers, the one moment a folder can be left behind.
    private static func removeAbandonedFolders() {
        let temporary = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(folderPrefix) {
            guard let pid = name.dropFirst(folderPrefix.count).split(separator: "-").first.flatMap({ Int32($0) }),
                  pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
    }
}
