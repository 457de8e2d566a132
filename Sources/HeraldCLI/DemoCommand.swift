import ArgumentParser
import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import Synchronization

/// `herald demo`: starts the brokers and the bundled demo backend on free loopback ports and runs contracts/ against
/// them.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the bundled demo backend and run the example contracts against it.",
        discussion: """
            The brokers nats-server, redis-server and mosquitto (those that are installed) and the backend (herald-demo, \
            built beside herald) run as child processes on free loopback ports, and are always stopped at the end. The \
            contracts see their URLs as ${env.BASE_URL}, ${env.NATS_URL}, ${env.REDIS_URL} and ${env.MQTT_URL}, and the \
            backend's database (a SQLite file of the run's own) as ${env.DEMO_DB_URL}. \
            --defect switches on one of the backend's defects: \(DemoBackendProcess.defects.joined(separator: ", ")).
            """)

    @Option(name: .customLong("defect"), help: "Switch on a defect of the demo backend (repeatable).")
    var defects: [String] = []

    @Option(help: "The contracts to run (default: contracts).")
    var contracts: String = "contracts"

    @OptionGroup var flags: RunFlags

    func validate() throws {
        for d in defects where !DemoBackendProcess.defects.contains(d) {
            throw ValidationError("unknown defect '\(d)'; the demo backend has: \(DemoBackendProcess.defects.joined(separator: ", "))")
        }
    }

    func run() async throws {
        // Whatever happens from here on, the children do not outlive herald (DemoWatchdog); on every ordinary end,
        // Ctrl-C during the run included, they are stopped below.
        defer { DemoWatchdog.stop() }
        // While the children start, Ctrl-C is noted and acted on between the steps (so nothing half-started is
        // left behind).
        StartupSignals.begin()
        let brokers: DemoBrokerProcesses
        let backend: DemoBackendProcess
        do {
            brokers = try DemoBrokerProcesses.start()
        } catch let error as InfrastructureError {
            StartupSignals.end()
            Terminal.err("herald: \(error)")
            throw ExitStatus.infrastructure.exitCode
        }
        defer { brokers.stop() }
        try Self.stopIfInterrupted()
        for broker in brokers.brokers.missing {
            Terminal.err("herald demo: \(broker.executable) is not installed, so no \(broker.title) broker runs and "
                         + "\(broker.environmentName) is not set; install it with: sudo apt-get install \(broker.package)")
        }
        // The backend's database: a SQLite file of this run's own, which the contracts read as ${env.DEMO_DB_URL}.
        let databaseFolder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-demo-db-\(RunOptions.makeRunID())")
        try? FileManager.default.createDirectory(at: databaseFolder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: databaseFolder) }
        let databaseURL = "sqlite://" + databaseFolder.appendingPathComponent("demo.db").path
        // The secrets devices and webhooks sign with: fresh for each run, handed over in the environment (not on a
        // command line others can read), and secrets of the run.
        let secrets = ["DEMO_DEVICE_SECRET": "dsec-" + RunOptions.makeRunID() + RunOptions.makeRunID(),
                       "DEMO_WEBHOOK_SECRET": "whsec-" + RunOptions.makeRunID() + RunOptions.makeRunID()]
        do {
            backend = try DemoBackendProcess.start(defects: defects,
                                                   brokerArguments: brokers.brokers.backendArguments + ["--database", databaseURL],
                                                   environment: secrets, interrupted: { StartupSignals.caught != nil })
        } catch let error as InfrastructureError {
            StartupSignals.end()
            try Self.stopIfInterrupted()
            Terminal.err("herald: \(error)")
            throw ExitStatus.infrastructure.exitCode
        }
        defer { backend.stop() }
        StartupSignals.end()
        try Self.stopIfInterrupted()
        Terminal.err("demo backend on \(backend.baseURL)\(defects.isEmpty ? "" : " with defect\(defects.count == 1 ? "" : "s") \(defects.joined(separator: ", "))")")
        let running = brokers.brokers.urls.sorted { $0.key < $1.key }
        if !running.isEmpty {
            Terminal.err("brokers: " + running.map { "\($0.key.title) \($0.value)" }.joined(separator: ", "))
        }
        let environment = brokers.brokers.environment.merging(["BASE_URL": backend.baseURL, "DEMO_DB_URL": databaseURL]) { _, new in new }
            .merging(secrets) { _, new in new }
        let missing = brokers.brokers.missing
        let status = try await RunSession.run(paths: [contracts], flags: flags, extraEnvironment: environment) { contract in
            let lacking = Self.brokers(neededBy: contract).filter { missing.contains($0) }.sorted()
            guard !lacking.isEmpty else { return nil }
            return "it needs \(lacking.map(\.executable).joined(separator: " and ")), which "
                + "\(lacking.count == 1 ? "is" : "are") not installed (sudo apt-get install \(lacking.map(\.package).joined(separator: " ")))"
        }
        backend.stop()
        brokers.stop()
        throw status.exitCode
    }

    /// The brokers a contract talks to: those of its broker channels, and of any service whose URL is a broker's
    /// (`nats://…`, or `${env.NATS_URL…}` as the demo contracts write it).
    static func brokers(neededBy contract: Contract) -> Set<DemoBroker> {
        var needed: Set<DemoBroker> = []
        for channel in contract.channels {
            switch channel.kind {
            case .nats: needed.insert(.nats)
            case .redis: needed.insert(.redis)
            case .mqtt: needed.insert(.mqtt)
            case .websocket, .sse: break
            }
        }
        for service in contract.services {
            let url = service.url.raw.lowercased()
            for broker in DemoBroker.allCases
            where url.contains(broker.environmentName.lowercased()) || url.hasPrefix("\(broker.server.kind.scheme)://") {
                needed.insert(broker)
            }
        }
        return needed
    }

    /// Ends `herald demo` with 130 when Ctrl-C (or SIGTERM) came while the children started; the callers' `defer`s
    /// stop them.
    private static func stopIfInterrupted() throws {
        guard StartupSignals.caught != nil else { return }
        StartupSignals.end()
        Terminal.err("interrupted: stopping the demo's brokers and backend")
        throw ExitCode(130)
    }
}

/// The demo backend as a child process.
final class DemoBackendProcess {
    /// The defects `herald-demo --defect` knows.
    static let defects = ["wrong-recipient", "missing-event", "reorder", "duplicate", "slow", "stale-cache", "wrong-topic", "no-welcome",
                          "cross-talk", "open-stream", "missing-row", "wrong-amount",
                          "skipped-state", "accepts-expired", "unsigned-webhook"]

    /// How long the backend may take to say where it listens (connecting to its brokers included).
    static let startTimeout: Duration = .seconds(20)

    let process: Process
    let baseURL: String
    private var stopped = false

    private init(process: Process, baseURL: String) {
        self.process = process
        self.baseURL = baseURL
    }

    /// The `herald-demo` executable beside the running `herald`.
    static func executable() throws -> String { try Sibling.executable("herald-demo", what: "the demo backend") }

    /// Starts the backend on a free port, with the given defects and broker options (`--nats URL` …), and waits
    /// (up to ``startTimeout``) for it to say where it listens. Its standard error is herald's, so what it says
    /// when it cannot start (such as a broker it cannot reach) is shown as it is.
    ///
    /// `interrupted` is asked while waiting: when it says yes, the backend is stopped and the error says so.
    static func start(defects: [String], brokerArguments: [String] = [], environment: [String: String] = [:],
                      interrupted: () -> Bool = { false }) throws -> DemoBackendProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = ["--port", "0"] + defects.flatMap { ["--defect", $0] } + brokerArguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        do { try ChildProcess.launch(process) } catch {
            throw InfrastructureError("cannot start the demo backend: \(error)")
        }
        DemoWatchdog.watch(process.processIdentifier)
        let watcher = ListeningLine()
        // Reads on a dispatch queue, so the deadline holds whatever the child does; after the line is found it
        // keeps draining stdout, so the child never blocks on a full pipe.
        out.fileHandleForReading.readabilityHandler = { handle in watcher.read(handle) }
        switch watcher.wait(timeout: startTimeout, interrupted: interrupted) {
        case .listening(let url):
            return DemoBackendProcess(process: process, baseURL: url)
        case .ended:
            _ = ChildProcess.waitBlocking(for: process, timeout: .seconds(2))
            out.fileHandleForReading.readabilityHandler = nil
            let status = process.isRunning ? "" : " with status \(process.terminationStatus)"
            ChildProcess.stop(process)
            DemoWatchdog.forget(process.processIdentifier)
            throw InfrastructureError("the demo backend exited\(status) before it listened (its message is above)")
        case .interrupted:
            out.fileHandleForReading.readabilityHandler = nil
            ChildProcess.stop(process)
            DemoWatchdog.forget(process.processIdentifier)
            throw InfrastructureError("interrupted while the demo backend started")
        case .timedOut:
            out.fileHandleForReading.readabilityHandler = nil
            ChildProcess.stop(process)
            DemoWatchdog.forget(process.processIdentifier)
            throw InfrastructureError("the demo backend did not report a listening port within \(startTimeout.components.seconds) s")
        }
    }

    /// Stops the backend (SIGTERM, then SIGKILL after 5 s).
    func stop() {
        guard !stopped else { return }
        stopped = true
        ChildProcess.stop(process, grace: .seconds(5))
        DemoWatchdog.forget(process.processIdentifier)
    }
}

/// Looks for `herald-demo`'s "listening on URL" line in its output, read on a dispatch queue.
private final class ListeningLine: Sendable {
    enum Outcome: Sendable {
        case listening(String)
        case ended
        case interrupted
        case timedOut
    }

    private struct State {
        var buffer = Data()
        var outcome: Outcome?
    }

    private let state = Mutex(State())
    private let decided = DispatchSemaphore(value: 0)

    /// Reads what is available; decides on the line or the end of the output.
    func read(_ handle: FileHandle) {
        let chunk = handle.availableData
        let decidedNow: Bool = state.withLock { state in
            guard state.outcome == nil else { return false }
            if chunk.isEmpty {
                state.outcome = .ended
                return true
            }
            state.buffer.append(chunk)
            let text = String(decoding: state.buffer, as: UTF8.self)
            // Complete lines only: a line still being written could hold half a port number.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            guard let line = lines.first(where: { $0.contains("listening on ") }),
                  let url = line.split(separator: " ").last else { return false }
            state.outcome = .listening(String(url))
            state.buffer = Data()
            return true
        }
        if chunk.isEmpty { handle.readabilityHandler = nil }
        if decidedNow { decided.signal() }
    }

    /// Waits for the outcome, at most `timeout`, looking at `interrupted` every 50 ms.
    func wait(timeout: Duration, interrupted: () -> Bool) -> Outcome {
        let deadline = ContinuousClock.now + timeout
        while decided.wait(timeout: .now() + 0.05) == .timedOut {
            if interrupted() { return .interrupted }
            if ContinuousClock.now >= deadline { return .timedOut }
        }
        return state.withLock { $0.outcome } ?? .timedOut
    }
}
