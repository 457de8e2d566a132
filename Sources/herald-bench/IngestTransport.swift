import ArgumentParser

/// What the ingest benchmark bursts its frames over: one WebSocket straight from the burst server, or a broker that
/// the burst server publishes to and that Herald and the peer subscribe to.
enum IngestTransport: String, CaseIterable, ExpressibleByArgument, Sendable {
    /// One WebSocket connection to the burst server.
    case websocket
    /// A NATS subject, through `nats-server`.
    case nats
    /// A Redis pub/sub channel, through `redis-server`.
    case redis
    /// An MQTT topic at QoS 0, through `mosquitto`.
    case mqtt

    /// The broker server: its executable, which is also the name of the Debian package that installs it; nil for
    /// WebSocket, where the burst server is the other end.
    var brokerExecutable: String? {
        switch self {
        case .websocket: nil
        case .nats: "nats-server"
        case .redis: "redis-server"
        case .mqtt: "mosquitto"
        }
    }

    /// The scheme of the broker's URL.
    var scheme: String { self == .websocket ? "ws" : rawValue }

    /// The library Herald receives with, for the report's notes.
    var library: String {
        switch self {
        case .websocket: "libwebsockets"
        case .nats: "libnats"
        case .redis: "hiredis"
        case .mqtt: "libmosquitto"
        }
    }

    /// What one burst is carried on, for the headline: "one WebSocket", "NATS subject bench.ticks", ….
    var carrier: String {
        switch self {
        case .websocket: "one WebSocket"
        case .nats: "NATS subject \(publishTarget) (nats-server)"
        case .redis: "Redis channel \(publishTarget) (redis-server)"
        case .mqtt: "MQTT topic \(publishTarget) at QoS 0 (mosquitto)"
        }
    }

    /// Where the burst server publishes each frame: a NATS subject, a Redis channel, an MQTT topic.
    var publishTarget: String {
        switch self {
        case .websocket: "/ws/ticks"
        case .nats: "bench.ticks"
        case .redis: "bench"
        case .mqtt: "bench/ticks"
        }
    }

    /// What the receivers subscribe to: a wildcard where the broker has them, so that Herald's subject matching
    /// takes part as it would in a real contract.
    var subscription: String {
        switch self {
        case .websocket: "/ws/ticks"
        case .nats: "bench.>"
        case .redis: "bench"
        case .mqtt: "bench/#"
        }
    }

    /// The name of the broker's service in the generated contract.
    var serviceName: String {
        switch self {
        case .websocket: "burst"
        case .nats: "bus"
        case .redis: "cache"
        case .mqtt: "broker"
        }
    }
}
