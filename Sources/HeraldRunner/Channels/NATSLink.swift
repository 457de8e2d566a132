import HeraldCore
import HeraldTransport

/// A NATS subscription on a connection of its own (so that each actor's credentials are its own).
struct NATSLink: ChannelLink {
    let connection: NATSConnection
    let subscription: NATSSubscription
    let address: String

    /// Connects, subscribes and flushes: when this returns the server has the subscription.
    static func open(_ context: ChannelContext, queue: String?) async throws -> NATSLink {
        let base = context.baseURL ?? ""
        let url = URLs.withCredentials(base, user: context.username, password: context.password)
        let connection = try await NATSConnection.connect(NATSOptions(url: url, token: context.token, name: context.clientName,
                                                                      connectTimeout: context.timeout))
        do {
            let subscription = try await connection.subscribe(context.target, queueGroup: queue, confirmTimeout: context.timeout)
            return NATSLink(connection: connection, subscription: subscription,
                            address: "\(URLs.maskedBroker(url)) \(context.target)\(queue.map { " (queue \($0))" } ?? "")")
        } catch {
            await connection.close()
            throw error
        }
    }

    var inbound: AsyncMapSequence<EventQueue<NATSEvent>.Stream, InboundEvent> {
        subscription.events.map { @Sendable event in
            switch event {
            case .message(let m):
                return .message(InboundMessage(bytes: m.payload, subject: m.subject, headers: m.headers, receivedAt: m.receivedAt))
            case .disconnected(let at, let reason):
                return .dropped(detail: "NATS connection lost\(reason.map { ": \($0)" } ?? "")", at: at)
            case .reconnected(let at):
                return .restored(at: at)
            case .slowConsumer(let dropped, _):
                return .note("slow consumer: \(dropped) messages dropped")
            case .closed(let reason, let at):
                switch reason {
                case .unsubscribed, .closedLocally: return .closed(code: nil, reason: "closed", at: at, local: true)
                case .connectionLost(let why): return .closed(code: nil, reason: "NATS connection lost\(why.map { ": \($0)" } ?? "")", at: at, local: false)
                }
            }
        }
    }

    func close() async { await connection.close() }
}
