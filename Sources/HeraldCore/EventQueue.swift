import Synchronization

/// A queue of events from one producing thread (a C library's) to one consuming task, handed over in batches.
///
/// The producer's `yield` and `finish` are those of an `AsyncStream` continuation. The consumer's iterator takes
/// everything queued at once, under one lock, and then reads its batch without locking or suspending, so that a
/// burst costs one hand-over per batch instead of a continuation per element. Iteration ends after `finish()` once
/// the queue is drained, or at once when the consuming task is cancelled.
///
/// With ``handleSparse(after:with:)``, an element that comes after a quiet spell, while the consumer waits with nothing
/// queued, is handed to a handler on the producer's thread instead: a lone message (the frame an HTTP request caused)
/// is then recorded without waking the consumer's thread, while a burst still goes through the queue, so that the
/// consumer works in parallel with the producer. Only for a queue with one producing thread.
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
        /// Takes sparse elements on the producer's thread (``handleSparse(after:with:)``).
        @usableFromInline var sparse: (@Sendable (Element) -> Void)?
        /// How long a spell without elements makes the next one sparse, in nanoseconds.
        @usableFromInline var quiet: UInt64 = 0
        /// When the last element was yielded.
        @usableFromInline var lastYield: UInt64 = 0
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

    /// Queues an element, or hands a sparse one to the handler (``handleSparse(after:with:)``); dropped after
    /// `finish()`.
    @inlinable
    public func yield(_ element: Element) {
        let now = MonotonicInstant.now().nanoseconds
        let (waiter, handler) = state.withLock { s -> (CheckedContinuation<Void, Never>?, (@Sendable (Element) -> Void)?) in
            guard !s.finished else { return (nil, nil) }
            defer { s.lastYield = now }
            // The consumer waits and nothing is queued, so nothing is being read: the handler may take this one.
            if let sparse = s.sparse, s.waiter != nil, s.queued.isEmpty, now &- s.lastYield >= s.quiet { return (nil, sparse) }
            s.queued.append(element)
            defer { s.waiter = nil }
            return (s.waiter, nil)
        }
        if let handler { handler(element) } else { waiter?.resume() }
    }

    /// From now on, an element yielded at least `quiet` after the previous one, while the consumer waits with nothing
    /// queued, goes to `handler` on the producer's thread instead of the queue. The consumer must handle elements
    /// the same way (the handler stands in for it), and the queue must have a single producing thread, so that the
    /// order of elements holds.
    public func handleSparse(after quiet: Duration, with handler: @escaping @Sendable (Element) -> Void) {
        state.withLock { s in
            s.quiet = quiet.nanoseconds
            s.sparse = handler
        }
    }

    /// Whether the consumer is parked, waiting for an element (for tests and diagnostics).
    public var consumerIsWaiting: Bool { state.withLock { $0.waiter != nil } }

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

        /// ``EventQueue/handleSparse(after:with:)`` of the queue read.
        public func handleSparse(after quiet: Duration, with handler: @escaping @Sendable (Element) -> Void) {
            queue.handleSparse(after: quiet, with: handler)
        }
    }
}
