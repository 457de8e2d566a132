import Foundation
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The brokers the tests start: real servers on free loopback ports, through HeraldCore's ``LocalBrokerServer``.
/// A missing server fails the test with the package to install; tests never skip for it.
typealias Broker = LocalBroker
typealias BrokerServer = LocalBrokerServer

/// Runs `body` with a fresh `broker` server, and always stops it afterwards, also when `body` throws.
func withBroker<T>(
    _ broker: Broker,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (BrokerServer) async throws -> T
) async throws -> T {
    do {
        return try await withLocalBroker(broker, body)
    } catch let error as LocalBrokerError where error.missingPackage != nil {
        throw ScriptFailure("these tests need a real broker: \(error)")
    }
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

    init<Events: AsyncSequence<Element, Never> & Sendable>(_ stream: Events) {
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
