import Synchronization

/// Work scheduled to run after a delay (the payment result, a `slow` notification), all of which is
/// cancelled when the backend stops.
final class DelayedJobs: Sendable {
    private struct State {
        var lastID = 0
        var pending: [Int: Task<Void, Never>] = [:]
        var stopped = false
    }

    private let state = Mutex(State())

    /// Runs `job` after `delay`, unless the backend stops first.
    func after(_ delay: Duration, _ job: @escaping @Sendable () async -> Void) {
        state.withLock { state in
            guard !state.stopped else { return }
            state.lastID += 1
            let id = state.lastID
            state.pending[id] = Task {
                defer { self.finished(id) }
                do { try await Task.sleep(for: delay) } catch { return }
                await job()
            }
        }
    }

    /// Cancels every pending job; later ones are not scheduled at all.
    func stopAll() {
        let pending = state.withLock { state in
            state.stopped = true
            defer { state.pending.removeAll() }
            return Array(state.pending.values)
        }
        for task in pending { task.cancel() }
    }

    private func finished(_ id: Int) {
        state.withLock { _ = $0.pending.removeValue(forKey: id) }
    }
}
