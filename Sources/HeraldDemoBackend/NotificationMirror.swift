import Logging

/// Something user notifications can be published to: a topic and a text payload, delivered at least once.
/// The MQTT client is one; tests can bring their own.
protocol NotificationPublisher: Sendable {
    /// Publishes `payload` on `topic`, at least once (MQTT: QoS 1).
    func publish(topic: String, payload: String) async throws
    /// Ends the connection after what was published has been sent.
    func close() async
}

/// Mirrors every delivered notification to the recipient's topic `users/<userId>/notifications`, payload the
/// WebSocket frame's JSON.
///
/// ``enqueue(userID:payload:)`` only queues (it runs under the notifier's lock); one task publishes the queue in
/// order, so each topic sees its notifications in the order they were produced. A publish that fails is logged
/// and the next one is tried.
final class NotificationMirror: Sendable {
    private struct Item: Sendable {
        let topic: String
        let payload: String
    }

    private let queue: AsyncStream<Item>.Continuation
    private let worker: Task<Void, Never>

    /// Starts the publishing task.
    init(publisher: any NotificationPublisher, logger: Logger) {
        let (items, queue) = AsyncStream.makeStream(of: Item.self, bufferingPolicy: .unbounded)
        self.queue = queue
        worker = Task {
            for await item in items {
                // Stopping and out of time (see `finish`): the rest is dropped.
                if Task.isCancelled { continue }
                do {
                    try await publisher.publish(topic: item.topic, payload: item.payload)
                } catch {
                    logger.warning("cannot mirror a notification to \(item.topic): \(error)")
                }
            }
        }
    }

    /// The topic of a user's notifications.
    static func topic(of userID: String) -> String {
        "users/\(userID)/notifications"
    }

    /// Queues `payload` for `userID`'s topic.
    func enqueue(userID: String, payload: String) {
        queue.yield(Item(topic: Self.topic(of: userID), payload: payload))
    }

    /// Publishes what is queued, for at most `grace` (a broker that went away could otherwise make this take one
    /// acknowledgement deadline per notification), then stops taking more.
    func finish(grace: Duration = .seconds(2)) async {
        queue.finish()
        await BrokerQueues.finish(worker, within: grace)
    }
}
