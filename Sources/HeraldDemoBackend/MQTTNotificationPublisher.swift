/// Publishes notifications on an MQTT broker.
///
/// Herald's MQTT client (`Sources/HeraldTransport/MQTT/`) has not landed on this branch yet: until it does,
/// connecting fails with a message that says so.
enum MQTTNotificationPublisher {
    /// Connects to the broker at `url` (`mqtt://host:port`) within `timeout`.
    static func connect(url: String, timeout: Duration) async throws -> any NotificationPublisher {
        throw MQTTUnavailable()
    }
}

/// This build has no MQTT client.
private struct MQTTUnavailable: Error, CustomStringConvertible {
    var description: String { "this build of the demo backend has no MQTT client yet" }
}
