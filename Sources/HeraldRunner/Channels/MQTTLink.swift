import HeraldCore
import HeraldTransport

/// An MQTT subscription on a client connection of its own, with the actor's credentials.
struct MQTTLink: ChannelLink {
    let connection: MQTTConnection
    let address: String

    /// Connects (CONNACK accepted) and subscribes (SUBACK granted): when this returns the broker has the subscription.
    static func open(_ context: ChannelContext, qos: Int) async throws -> MQTTLink {
        let url = context.baseURL ?? ""
        let connection = try await MQTTConnection.connect(MQTTOptions(url: url, clientID: context.clientName, username: context.username,
                                                                      password: context.password, connectTimeout: context.timeout,
                                                                      tls: context.tls))
        do {
            _ = try await connection.subscribe([context.target], qos: qos)
        } catch {
            await connection.close()
            throw error
        }
        return MQTTLink(connection: connection, address: "\(URLs.maskedBroker(url)) \(context.target) (QoS \(qos))")
    }

    var inbound: AsyncMapSequence<EventQueue<MQTTEvent>.Stream, InboundEvent> {
        connection.events.map { @Sendable event in
            switch event {
            case .message(let m):
                return .message(InboundMessage(bytes: m.payload, subject: m.topic, retained: m.retained, receivedAt: m.receivedAt))
            case .disconnected(let reason, let at):
                return .dropped(detail: "MQTT connection lost: \(reason)", at: at)
            case .reconnected(let at):
                return .restored(at: at)
            }
        }
    }

    func close() async { await connection.close() }
}
