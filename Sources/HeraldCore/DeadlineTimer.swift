import Foundation

/// Runs an action at a deadline unless cancelled first: a wait's deadline without a task that sleeps.
///
/// Every deadline of the process lives on one thread, in a heap that a cancellation takes the deadline out of, so
/// that a wait that ends early (the common case: the frame came) costs no wakeup later, and the thread sleeps until
/// the earliest deadline still pending.
public struct DeadlineTimer: Sendable {
    private let id: UInt64

    /// Schedules `action` at `deadline` (at once when it has passed). It runs on the deadline thread: keep it short.
    public init(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) {
        id = DeadlineThread.shared.schedule(at: deadline, action)
    }

    /// Cancels the action, if it has not run.
    public func cancel() { DeadlineThread.shared.cancel(id) }
}

/// The thread that keeps the deadlines, in a binary heap by instant with each entry's place recorded for removal.
///
/// The thread is signalled only for a deadline earlier than the one it sleeps until. A cancelled deadline is not
/// waited out early: the thread wakes at it, finds nothing due, and sleeps on. So the common pattern, a wait whose
/// deadline is set, then cancelled when its frame comes, then set again a little later for the next step, wakes the
/// thread once per deadline span instead of once per wait.
///
/// `@unchecked Sendable` is sound: `heap`, `places`, `actions`, `nextID`, `started` and `wakeAt` are touched only
/// while holding `lock`.
final class DeadlineThread: @unchecked Sendable {
    static let shared = DeadlineThread()

    private struct Entry {
        var deadline: UInt64
        var id: UInt64
    }

    private let lock = ConditionLock()
    private var heap: [Entry] = []
    private var places: [UInt64: Int] = [:]
    private var actions: [UInt64: @Sendable () -> Void] = [:]
    private var nextID: UInt64 = 1
    private var started = false
    /// The instant the thread sleeps until (`.max`: until signalled), or 0 while it is awake and will look again.
    private var wakeAt: UInt64 = 0

    func schedule(at deadline: MonotonicInstant, _ action: @escaping @Sendable () -> Void) -> UInt64 {
        lock.withLock {
            if !started {
                started = true
                let thread = Thread { [self] in run() }
                thread.name = "herald-deadlines"
                thread.start()
            }
            let id = nextID
            nextID += 1
            actions[id] = action
            heap.append(Entry(deadline: deadline.nanoseconds, id: id))
            places[id] = heap.count - 1
            siftUp(heap.count - 1)
            // The thread sleeps until a later instant: it must wake for this one.
            if deadline.nanoseconds < wakeAt {
                wakeAt = 0
                lock.signal()
            }
            return id
        }
    }

    func cancel(_ id: UInt64) {
        lock.withLock {
            guard let place = places[id] else { return }
            remove(at: place)
        }
    }

    private func run() {
        lock.lock()
        while true {
            guard let first = heap.first else {
                wakeAt = .max
                lock.wait()
                wakeAt = 0
                continue
            }
            let now = MonotonicInstant.now()
            guard first.deadline <= now.nanoseconds else {
                wakeAt = first.deadline
                lock.wait(until: MonotonicInstant(nanoseconds: first.deadline))
                wakeAt = 0
                continue
            }
            let action = actions[first.id]
            remove(at: 0)
            lock.unlock()
            action?()
            lock.lock()
        }
    }

    private func remove(at place: Int) {
        let id = heap[place].id
        places[id] = nil
        actions[id] = nil
        let last = heap.removeLast()
        guard place < heap.count else { return }
        heap[place] = last
        places[last.id] = place
        siftDown(place)
        siftUp(place)
    }

    private func siftUp(_ start: Int) {
        var i = start
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].deadline < heap[parent].deadline else { break }
            swapAt(i, parent)
            i = parent
        }
    }

    private func siftDown(_ start: Int) {
        var i = start
        while true {
            let left = 2 * i + 1, right = left + 1
            var least = i
            if left < heap.count, heap[left].deadline < heap[least].deadline { least = left }
            if right < heap.count, heap[right].deadline < heap[least].deadline { least = right }
            guard least != i else { return }
            swapAt(i, least)
            i = least
        }
    }

    private func swapAt(_ a: Int, _ b: Int) {
        heap.swapAt(a, b)
        places[heap[a].id] = a
        places[heap[b].id] = b
    }
}
