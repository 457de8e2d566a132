import Dispatch

/// Runs an action at a deadline unless cancelled first, on the system's shared timer: a wait's deadline without a
/// task that sleeps. Cancelling is a flag, so a wait that ends early costs no wakeup; the timer still fires at its
/// deadline and finds nothing to do.
public struct DeadlineTimer {
    private let item: DispatchWorkItem

    /// Schedules `action` at `deadline` (at once when it has passed).
    public init(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) {
        let item = DispatchWorkItem(block: action)
        // Duration.nanoseconds clamps a passed deadline at zero.
        let nanoseconds = MonotonicInstant.now().duration(to: deadline).nanoseconds
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: nanoseconds)), execute: item)
        self.item = item
    }

    /// Cancels the action, if it has not run.
    public func cancel() { item.cancel() }
}
