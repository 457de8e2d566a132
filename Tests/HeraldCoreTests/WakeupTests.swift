import HeraldCore
import Synchronization
import Testing

/// A wait ends on a signal (one given before it counts), at its deadline, or when its task is cancelled; a deadline
/// runs on the shared timer and a cancelled one never fires.
@Suite struct WakeupTests {
    @Test("a signal given before the wait is kept for it, and a signal wakes a waiting task")
    func signals() async {
        let wakeup = Wakeup()
        wakeup.signal()
        // No deadline: only the kept signal can end this wait.
        await wakeup.wait()
        let woken = Task { await wakeup.wait() }
        wakeup.signal()
        await woken.value
    }

    @Test("a wait with nothing to wake it ends at its deadline, not before")
    func deadline() async {
        let wakeup = Wakeup()
        let start = MonotonicInstant.now()
        let deadline = start.advanced(by: .milliseconds(50))
        await wakeup.wait(until: deadline)
        let now = MonotonicInstant.now()
        #expect(now >= deadline)
        // The bound only tells an ended wait from one that ran on and on: under load (scripts/test --under-load, with
        // the property tests keeping both pool threads busy) a resumed task waited 7.7 s for a thread.
        #expect(start.duration(to: now) < .seconds(60), "it ended")
    }

    @Test("cancelling the waiting task ends its wait")
    func cancellation() async {
        let wakeup = Wakeup()
        let waiting = Task { await wakeup.wait() }
        waiting.cancel()
        await waiting.value
    }

    @Test("deadlines run in the order of their instants, each once, and none that was cancelled")
    func manyDeadlines() async {
        let ran = Mutex<[Int]>([])
        let done = Wakeup()
        let start = MonotonicInstant.now()
        // 200 deadlines over 20 ms from 200 ms on, scheduled out of order; each odd one is cancelled as soon as it is
        // scheduled, and the last one kept signals.
        for k in (0..<200).map({ ($0 * 7919) % 200 }) {
            let timer = DeadlineTimer(at: start.advanced(by: .milliseconds(200) + .microseconds(100 * k))) {
                ran.withLock { $0.append(k) }
                if k == 198 { done.signal() }
            }
            if k % 2 == 1 { timer.cancel() }
        }
        await done.wait()
        #expect(ran.withLock { $0 } == Array(stride(from: 0, through: 198, by: 2)))
    }

    @Test("a cancelled deadline never runs; one left alone does")
    func deadlineTimers() async {
        let ran = Mutex<[String]>([])
        let done = Wakeup()
        let cancelled = DeadlineTimer(at: .now().advanced(by: .milliseconds(20))) { ran.withLock { $0.append("cancelled") } }
        cancelled.cancel()
        _ = DeadlineTimer(at: .now().advanced(by: .milliseconds(60))) {
            ran.withLock { $0.append("kept") }
            done.signal()
        }
        await done.wait()
        #expect(ran.withLock { $0 } == ["kept"])
    }
}
