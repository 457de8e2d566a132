import Synchronization

/// A queue of events from one producing thread (a C library's) to one consuming task, handed over in batches.
///
/// The producer's `yield` and `finish` are those of an `AsyncStream` continuation. The consumer's iterator takes
/// everything queued at once, under one lock, and then reads its batch without locking or suspending, so that a
/// burst costs one hand-over per batch instead of a continuation per element. Iteration ends after `finish()` once
/// the queue is drained, or at once when the consuming task is cancelled.
///
/// `yield` is inlinable, so that the producer's module specialises it for its element type: the C library's thread
/// queues each message without looking up generic metadata.
public final class EventQueue<Element: Sendable>: Sendable {
    @usableFromInline
    struct State {
        @usableFromInline var queued: [Element] = []
        @usableFromInline var finished = false
        @usableFromInline var waiter: CheckedContinuation<Void, Never>?
        /// Counts waits, so that the cancellation of an earlier wait cannot end a later one.
        @usableFromInline var generation: UInt64 = 0
        @usableFromInline init() {}
    }

    @usableFromInline
    let state = Mutex(State())

    /// A queue and the sequence that reads it.
    public static func makeStream() -> (stream: Stream, queue: EventQueue) {
        let queue = EventQueue()
        return (Stream(queue: queue), queue)
    }

    private init() {}

    /// Queues an element; dropped after `finish()`.
    @inlinable
    public func yield(_ element: Element) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard !s.finished else { return nil }
            s.queued.append(element)
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// Ends the sequence once what is queued has been read.
    public func finish() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.finished = true
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    /// Swaps everything queued into `batch` (which must be empty; its storage is reused), waiting while nothing is
    /// queued. Leaves `batch` empty when the queue is finished and drained, or the task was cancelled.
    fileprivate func take(into batch: inout [Element]) async {
        while true {
            let generation = state.withLock { s -> UInt64? in
                if !s.queued.isEmpty {
                    swap(&s.queued, &batch)
                    return nil
                }
                if s.finished { return nil }
                s.generation &+= 1
                return s.generation
            }
            guard let generation, !Task.isCancelled else { return }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { s -> Bool in
                        if !s.queued.isEmpty || s.finished || s.generation != generation || Task.isCancelled { return true }
                        s.waiter = c
                        return false
                    }
                    if now { c.resume() }
                }
            } onCancel: {
                let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                    guard s.generation == generation else { return nil }
                    s.generation &+= 1
                    defer { s.waiter = nil }
                    return s.waiter
                }
                waiter?.resume()
            }
        }
    }

    /// The elements, in the order they were yielded. Single consumer.
    public struct Stream: AsyncSequence, Sendable {
        /// The elements; the sequence never throws.
        public typealias Failure = Never
        fileprivate let queue: EventQueue

        /// Reads the queue batch by batch.
        public struct AsyncIterator: AsyncIteratorProtocol {
            fileprivate let queue: EventQueue
            private var batch: [Element] = []
            private var next = 0

            fileprivate init(queue: EventQueue) { self.queue = queue }

            /// The next element, or `nil` when the queue is finished and drained or the task is cancelled.
            public mutating func next() async -> Element? {
                if next == batch.count {
                    batch.removeAll(keepingCapacity: true)
                    next = 0
                    await queue.take(into: &batch)
                    if batch.isEmpty { return nil }
                }
                defer { next += 1 }
                return batch[next]
            }
        }

        /// An iterator (only one may read the queue).
        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(queue: queue) }
    }
}
