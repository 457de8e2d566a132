import Synchronization
import HeraldCore

/// A value delivered once, from any thread, to one async waiter. Later deliveries are ignored, which lets a
/// C callback, a deadline and a cancellation race to settle the same outcome.
final class OneShot<Value: Sendable>: Sendable {
    private enum State {
        case pending(CheckedContinuation<Value, Never>?)
        case done(Value)
    }

    private let state = Mutex<State>(.pending(nil))

    init() {}

    /// Settles the outcome. Returns false when it was settled already (the value is dropped).
    @discardableResult
    func complete(_ value: Value) -> Bool {
        let waiter: CheckedContinuation<Value, Never>?? = state.withLock { s in
            guard case .pending(let c) = s else { return .none }
            s = .done(value)
            return .some(c)
        }
        guard case .some(let c) = waiter else { return false }
        c?.resume(returning: value)
        return true
    }

    /// Whether the outcome is settled.
    var isCompleted: Bool {
        state.withLock { s in
            if case .done = s { return true }
            return false
        }
    }

    /// Waits for the outcome. If `timeout` passes first the outcome becomes `timedOut()`; if the calling task
    /// is cancelled it becomes `cancelled()`. Only one task may wait.
    func wait(timeout: Duration, timedOut: @escaping @Sendable () -> Value,
              cancelled: @escaping @Sendable () -> Value) async -> Value {
        let timer = DeadlineTimer(at: MonotonicInstant.now().advanced(by: timeout)) { [self] in complete(timedOut()) }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Value, Never>) in
                let ready: Value? = state.withLock { s in
                    switch s {
                    case .pending: s = .pending(c); return nil
                    case .done(let v): return v
                    }
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            complete(cancelled())
        }
    }

    /// Waits for the outcome with no deadline (for completions that are guaranteed to come).
    func wait() async -> Value {
        await withCheckedContinuation { (c: CheckedContinuation<Value, Never>) in
            let ready: Value? = state.withLock { s in
                switch s {
                case .pending: s = .pending(c); return nil
                case .done(let v): return v
                }
            }
            if let ready { c.resume(returning: ready) }
        }
    }
}
