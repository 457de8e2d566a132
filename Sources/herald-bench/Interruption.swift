import Dispatch
import Foundation
import HeraldCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Stops the bench's child processes (the broker, the burst server, a Python peer) and removes its folder when the
/// bench gets SIGINT or SIGTERM. A signal ends the process without running `defer`, and `timeout` or `kill` signal
/// this process alone, so without this a broker would outlive the bench.
final class Interruption: Sendable {
    /// The one instance: signals are process-wide.
    static let shared = Interruption()

    /// The running children, and the folders to remove.
    private let state = Mutex<(children: [ObjectIdentifier: Process], brokers: [ObjectIdentifier: LocalBrokerServer], folders: [String])>(([:], [:], []))

    /// Starts `process` (with `ChildProcess.launch`) and tracks it until `stop(_:grace:)`.
    func launch(_ process: Process) throws {
        try ChildProcess.launch(process)
        state.withLock { $0.children[ObjectIdentifier(process)] = process }
    }

    /// Stops `process` (SIGTERM, then SIGKILL after `grace`; nothing when it has ended) and stops tracking it.
    func stop(_ process: Process, grace: Duration) {
        ChildProcess.stop(process, grace: grace)
        _ = state.withLock { $0.children.removeValue(forKey: ObjectIdentifier(process)) }
    }

    /// Tracks a started broker until `stop(_:)`.
    func track(_ broker: LocalBrokerServer) {
        state.withLock { $0.brokers[ObjectIdentifier(broker)] = broker }
    }

    /// Stops a tracked broker and stops tracking it.
    func stop(_ broker: LocalBrokerServer) {
        broker.stop()
        _ = state.withLock { $0.brokers.removeValue(forKey: ObjectIdentifier(broker)) }
    }

    /// Runs `body` with SIGINT and SIGTERM caught: either stops every tracked child, removes `folder`, and exits
    /// with 128 + the signal's number.
    func guarding<T>(folder: String, _ body: () async throws -> T) async throws -> T {
        state.withLock { $0.folders.append(folder) }
        let sources = [SIGINT, SIGTERM].map { number in
            // The dispatch source sees the signal only while its default action is off.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in stopEverything(exitCode: 128 + number) }
            source.resume()
            return source
        }
        defer {
            for (source, number) in zip(sources, [SIGINT, SIGTERM]) {
                source.cancel()
                signal(number, SIG_DFL)
            }
            state.withLock { $0.folders.removeAll { $0 == folder } }
        }
        return try await body()
    }

    /// SIGTERM to every child at once, then each one waited for (SIGKILL after two seconds); the folders removed.
    private func stopEverything(exitCode: Int32) -> Never {
        let (children, brokers, folders) = state.withLock { ($0.children.values, $0.brokers.values, $0.folders) }
        FileHandle.standardError.write(Data("herald-bench: interrupted; stopping \(children.count) child process(es)\n".utf8))
        for child in children where child.isRunning { kill(child.processIdentifier, SIGTERM) }
        for child in children { ChildProcess.stop(child, grace: .seconds(2)) }
        for broker in brokers { broker.stop() }
        for folder in folders { try? FileManager.default.removeItem(atPath: folder) }
        exit(exitCode)
    }
}
