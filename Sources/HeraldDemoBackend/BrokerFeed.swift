import HeraldTransport
import Logging

/// The side effects of state changes on the brokers, in the order the state changed: for each batch of
/// ``DomainEvent``s, first the Redis keys of the orders they touch are deleted (`DEL order:<id>`), then each event
/// is published on NATS (`market.<type>`). Cache fills of `GET /orders/{id}` go through the same queue, so a fill
/// never lands after the deletion that should have removed it.
///
/// ``record(_:)`` only queues: it runs under the store's lock. One task works the queue. A route that changed
/// the state waits with ``settle()`` until its effects are done, before it notifies anyone and answers, so a client
/// told about a change never reads the cache from before it.
final class BrokerFeed: Sendable {
    private enum Work: Sendable {
        case events([DomainEvent])
        /// `SET key body` with the cache's TTL, if `isCurrent()` still holds when it is this item's turn.
        case fill(key: String, body: String, isCurrent: @Sendable () -> Bool)
        case barrier
    }

    private struct Item: Sendable {
        let work: Work
        let done: CheckedContinuation<Void, Never>?
    }

    private let queue: AsyncStream<Item>.Continuation
    private let worker: Task<Void, Never>

    /// Starts the task that works the queue.
    /// - Parameters:
    ///   - nats: Where to publish the events, if anywhere.
    ///   - redis: The order cache, if any.
    ///   - invalidatesCache: False for the `stale-cache` defect: changes leave the keys alone.
    init(nats: NATSConnection?, redis: RedisConnection?, invalidatesCache: Bool, logger: Logger) {
        let (items, queue) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
        self.queue = queue
        worker = Task {
            for await item in items {
                // Stopping and out of time (see `finish`): only release whoever waits.
                if Task.isCancelled {
                    item.done?.resume()
                    continue
                }
                switch item.work {
                case .events(let events):
                    if let redis, invalidatesCache {
                        var deleted: Set<String> = []
                        for id in events.compactMap(\.orderId) where deleted.insert(id).inserted {
                            do {
                                try await redis.delete(OrderCache.key(id))
                            } catch {
                                logger.warning("cannot delete the cache key of order \(id): \(error)")
                            }
                        }
                    }
                    if let nats {
                        for event in events {
                            do {
                                try nats.publish(event.subject, text: event.payload)
                            } catch {
                                logger.warning("cannot publish \(event.subject) on NATS: \(error)")
                            }
                        }
                    }
                case .fill(let key, let body, let isCurrent):
                    guard let redis, isCurrent() else { break }
                    do {
                        try await redis.set(key, body, expiry: OrderCache.timeToLive)
                    } catch {
                        logger.warning("cannot cache \(key): \(error)")
                    }
                case .barrier:
                    break
                }
                item.done?.resume()
            }
        }
    }

    /// Queues the effects of a state change (called with the store locked).
    func record(_ events: [DomainEvent]) {
        queue.yield(Item(work: .events(events), done: nil))
    }

    /// Returns once everything queued before the call is done.
    func settle() async {
        await run(.barrier)
    }

    /// Caches `body` under `key`, unless `isCurrent()` says the order changed meanwhile; returns once done.
    func fill(_ key: String, body: String, isCurrent: @escaping @Sendable () -> Bool) async {
        await run(.fill(key: key, body: body, isCurrent: isCurrent))
    }

    private func run(_ work: Work) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            if case .terminated = queue.yield(Item(work: work, done: done)) { done.resume() }
        }
    }

    /// Works off what is queued, for at most `grace` (each Redis command has its own deadline too; a broker that
    /// went away could otherwise make this take one deadline per item), then takes no more.
    func finish(grace: Duration = .seconds(2)) async {
        queue.finish()
        await BrokerQueues.finish(worker, within: grace)
    }
}

/// Ending the tasks that work the broker queues.
enum BrokerQueues {
    /// Waits for `worker` to end; after `grace` it is cancelled (it then drops what is left) and waited for.
    static func finish(_ worker: Task<Void, Never>, within grace: Duration) async {
        let deadline = Task {
            do { try await Task.sleep(for: grace) } catch { return }
            worker.cancel()
        }
        await worker.value
        deadline.cancel()
    }
}
