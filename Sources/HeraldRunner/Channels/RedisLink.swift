import HeraldCore
import HeraldTransport

/// A Redis subscriber connection: pub/sub channels, patterns, or the keyspace notifications of a key pattern
/// (delivered as `{"op": "del", "key": "order:1"}` events whose subject is the key).
struct RedisChannelLink: ChannelLink {
    let subscriber: RedisSubscriber
    let address: String

    /// Connects and subscribes; when this returns Redis has acknowledged the subscription.
    static func open(_ context: ChannelContext, keyspace: Bool, enableKeyspaceEvents: Bool) async throws -> RedisChannelLink {
        let url = context.baseURL ?? ""
        let subscriber = try await RedisSubscriber.connect(RedisOptions(url: url, password: context.password, connectTimeout: context.timeout))
        do {
            if keyspace {
                try await subscriber.watchKeyspace(context.target, enablingNotifications: enableKeyspaceEvents ? "KEA" : nil,
                                                   timeout: context.timeout)
            } else if context.target.contains(where: { "*?[".contains($0) }) {
                try await subscriber.subscribe(patterns: [context.target], timeout: context.timeout)
            } else {
                try await subscriber.subscribe(channels: [context.target], timeout: context.timeout)
            }
        } catch {
            await subscriber.close()
            throw error
        }
        return RedisChannelLink(subscriber: subscriber, address: "\(URLs.maskedBroker(url)) \(keyspace ? "keyspace " : "")\(context.target)")
    }

    var inbound: AsyncMapSequence<EventQueue<RedisEvent>.Stream, InboundEvent> {
        subscriber.events.map { @Sendable event in
            switch event {
            case .message(let m):
                return .message(InboundMessage(bytes: m.payload, subject: m.channel, receivedAt: m.receivedAt))
            case .keyspace(let k):
                let json: JSONValue = ["op": .string(k.event), "key": .string(k.key)]
                return .message(InboundMessage(bytes: Array(json.encoded().utf8), subject: k.key, receivedAt: k.receivedAt))
            case .closed(let reason, let at, let local):
                return .closed(code: nil, reason: local ? "closed" : "Redis connection lost\(reason.map { ": \($0)" } ?? "")", at: at, local: local)
            }
        }
    }

    func close() async { await subscriber.close() }
}
