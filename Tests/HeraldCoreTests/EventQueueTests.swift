import Foundation
import HeraldCore
import Synchronization
import Testing

/// The queue that hands a C library thread's events to one task, in batches.
@Suite("event queue") struct EventQueueTests {
    @Test("every element arrives once, in order, across batches from another thread; finish ends it after the last")
    func orderAcrossBatches() async {
        let (stream, queue) = EventQueue<Int>.makeStream()
        let producer = Thread {
            for i in 0..<50_000 {
                queue.yield(i)
                if i % 1000 == 0 { usleep(100) }   // gaps, so that the consumer also waits for more
            }
            queue.finish()
            queue.yield(-1)                         // after finish: dropped
        }
        producer.start()
        var expected = 0
        var inOrder = true
        for await i in stream {
            if i != expected { inOrder = false }
            expected += 1
        }
        #expect(inOrder)
        #expect(expected == 50_000)
    }

    @Test("with a sparse handler, lone elements go to it on the producer's thread, bursts to the consumer, and together they keep the order")
    func sparseElements() async {
        let (stream, queue) = EventQueue<Int>.makeStream()
        let seen = Mutex<[Int]>([])
        let byHandler = Atomic<Int>(0)
        queue.handleSparse(after: .milliseconds(2)) { i in
            seen.withLock { $0.append(i) }
            byHandler.add(1, ordering: .relaxed)
        }
        let consumer = Task {
            var count = 0
            for await i in stream {
                seen.withLock { $0.append(i) }
                count += 1
            }
            return count
        }
        let producer = Thread {
            var i = 0
            for round in 0..<40 {
                // The consumer has read everything and waits (a condition, with a deadline); then a quiet spell longer
                // than the handler's, then a lone element or a burst of 200.
                let deadline = MonotonicInstant.now().advanced(by: .seconds(20))
                while !(queue.consumerIsWaiting && seen.withLock({ $0.count }) == i), MonotonicInstant.now() < deadline {
                    usleep(200)
                }
                usleep(3_000)
                for _ in 0..<(round % 2 == 0 ? 1 : 200) {
                    queue.yield(i)
                    i += 1
                }
            }
            queue.finish()
        }
        producer.start()
        let byConsumer = await consumer.value
        let all = seen.withLock { $0 }
        #expect(all == Array(0..<(20 + 20 * 200)), "every element once, in order")
        #expect(byHandler.load(ordering: .relaxed) + byConsumer == all.count)
        #expect(byHandler.load(ordering: .relaxed) > 0, "lone elements after a quiet spell reached the handler")
        #expect(byConsumer > 0, "bursts reached the consumer")
    }

    @Test("a consumer waiting on an empty queue is woken by the next element and by finish")
    func waitingConsumerIsWoken() async {
        let (stream, queue) = EventQueue<String>.makeStream()
        let consumer = Task {
            var got: [String] = []
            for await s in stream { got.append(s) }
            return got
        }
        // The consumer may or may not be waiting yet: either way it must see both elements and the end.
        queue.yield("a")
        queue.yield("b")
        queue.finish()
        #expect(await consumer.value == ["a", "b"])
    }

    @Test("cancelling the consuming task ends its iteration, with nothing queued")
    func cancellationEndsTheWait() async {
        let (stream, queue) = EventQueue<Int>.makeStream()
        let started = Atomic<Bool>(false)
        let consumer = Task {
            var count = 0
            started.store(true, ordering: .releasing)
            for await _ in stream { count += 1 }
            return count
        }
        queue.yield(1)
        while !started.load(ordering: .acquiring) { await Task.yield() }
        consumer.cancel()
        // Without the cancellation the loop would wait for ever: the queue is never finished.
        let count = await consumer.value
        #expect(count <= 1)
        _ = queue
    }
}
