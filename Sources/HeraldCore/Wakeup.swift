import Synchronization

/// Wakes one waiting task when something it waits for may have happened: a frame that can decide an expectation, a
/// reader that ended. A signal given while nobody waits is kept for the next wait, so none is lost between a check and
/// the wait that follows it. Waits end at their deadline too, and when the waiting task is cancelled: nothing waits
/// on a timer to look again.
public final class Wakeup: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
        /// Counts waits, so that the timer of an earlier wait cannot end a later one.
        var generation: UInt64 = 0
    }

    private let state = Mutex(State())

    /// Creates a wakeup with no signal pending.
    public init() {}

    /// Wakes the waiting task, or the next one to wait.
    public func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else {
                s.signalled = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Waits until a signal (one given since the last wait counts), `deadline`, or the task's cancellation, whichever
    /// comes first. Only one task may wait at a time. Runs on the caller's executor (`isolation`): a runner waiting
    /// here is not moved off its actor to wait.
    public func wait(until deadline: MonotonicInstant? = nil, isolation: isolated (any Actor)? = #isolation) async {
        let generation = state.withLock { s -> UInt64? in
            if s.signalled {
                s.signalled = false
                return nil
            }
            s.generation &+= 1
            return s.generation
        }
        guard let generation else { return }
        let timer = deadline.map { DeadlineTimer(at: $0) { [self] in end(generation) } }
        defer { timer?.cancel() }
        await withTaskCancellationHandler(operation: {
            // Capturing `isolation` keeps the operation on the caller's executor.
            _ = isolation
            await withCheckedContinuation(isolation: isolation) { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.signalled || s.generation != generation || Task.isCancelled {
                        s.signalled = false
                        return true
                    }
                    s.waiter = c
                    return false
                }
                if now { c.resume() }
            }
        }, onCancel: {
            end(generation)
        }, isolation: isolation)
    }

    /// Ends the wait numbered `generation`, if it is still the one waiting.
    private func end(_ generation: UInt64) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard s.generation == generation else { return nil }
            // A wait that has not parked yet sees the changed generation and returns at once.
            s.generation &+= 1
            let w = s.waiter
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }
}
