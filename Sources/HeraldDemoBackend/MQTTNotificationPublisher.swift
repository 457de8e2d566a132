import HeraldTransport

/// Publishes notifications on an MQTT broker through Herald's MQTT client, at QoS 1: each `publish` returns once
/// the broker acknowledged the message (PUBACK), or fails at the client's acknowledgement deadline.
struct MQTTNotificationPublisher: NotificationPublisher {
    let connection: MQTTConnection

    /// Connects to the broker at `url` (`mqtt://host:port` or `mqtts://…`) within `timeout`, as client
    /// `herald-demo-<random>`.
    static func connect(url: String, timeout: Duration) async throws -> any NotificationPublisher {
        let clientID = "herald-demo-" + String(UInt64.random(in: .min ... .max) & 0xFFFF_FFFF, radix: 16)
        let options = MQTTOptions(url: url, clientID: clientID, connectTimeout: timeout,
                                  acknowledgementTimeout: .seconds(2))
        return MQTTNotificationPublisher(connection: try await MQTTConnection.connect(options))
    }

    func publish(topic: String, payload: String) async throws {
        try await connection.publish(topic, text: payload, qos: 1)
    }

    func close() async {
        await connection.close()
    }
}
