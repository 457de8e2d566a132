import HeraldCore
import HeraldTransport

/// The command connections a contract publishes and sends Redis commands on: one per broker URL, opened on first use
/// and closed when the contract ends. Subscriptions have connections of their own (see ``ChannelHub``).
actor BrokerClients {
    /// The broker behind a service URL, by its scheme.
    enum Kind: String {
        case nats, redis, mqtt

        init?(url: String) {
            guard let scheme = url.split(separator: ":", maxSplits: 1).first?.lowercased() else { return nil }
            switch scheme {
            case "nats", "tls": self = .nats
            case "redis", "rediss", "unix": self = .redis
            case "mqtt", "mqtts": self = .mqtt
            default: return nil
            }
        }
    }

    let timeout: Duration
    /// One open connection, of whichever broker.
    private enum Connection: Sendable {
        case nats(NATSConnection)
        case redis(RedisConnection)
        case mqtt(MQTTConnection)

        func close() async {
            switch self {
            case .nats(let c): await c.close()
            case .redis(let c): await c.close()
            case .mqtt(let c): await c.close()
            }
        }
    }
    private var open: [String: Connection] = [:]

    init(timeout: Duration) { self.timeout = timeout }

    func natsConnection(_ url: String) async throws -> NATSConnection {
        let c = try await cached(url) { .nats(try await NATSConnection.connect(NATSOptions(url: url, name: "herald-publisher", connectTimeout: $0))) }
        guard case .nats(let nats) = c else { throw InfrastructureError("\(URLs.maskedBroker(url)) is not a NATS server") }
        return nats
    }

    func redisConnection(_ url: String) async throws -> RedisConnection {
        let c = try await cached(url) { .redis(try await RedisConnection.connect(RedisOptions(url: url, connectTimeout: $0))) }
        guard case .redis(let redis) = c else { throw InfrastructureError("\(URLs.maskedBroker(url)) is not a Redis server") }
        return redis
    }

    func mqttConnection(_ url: String) async throws -> MQTTConnection {
        let c = try await cached(url) { .mqtt(try await MQTTConnection.connect(MQTTOptions(url: url, connectTimeout: $0))) }
        guard case .mqtt(let mqtt) = c else { throw InfrastructureError("\(URLs.maskedBroker(url)) is not an MQTT broker") }
        return mqtt
    }

    /// The connection to `url`, opened on first use. Two steps asking at once may both connect: the second one
    /// closes its own and takes the first.
    private func cached(_ url: String, connect: (Duration) async throws -> Connection) async throws -> Connection {
        if let c = open[url] { return c }
        let c = try await connect(timeout)
        if let raced = open[url] {
            await c.close()
            return raced
        }
        open[url] = c
        return c
    }

    func closeAll() async {
        let all = open.values
        open = [:]
        for c in all { await c.close() }
    }
}

extension RedisReply {
    /// The reply as JSON, for `expect: { body: … }` and captures: text (parsed when it is JSON), numbers, arrays, null.
    var json: JSONValue {
        switch self {
        case .string(let bytes): return JSONParser.parseIfJSON(bytes) ?? .string(String(decoding: bytes, as: UTF8.self))
        case .status(let s): return .string(s)
        case .integer(let n): return .number(Double(n))
        case .array(let items): return .array(items.map(\.json))
        case .null: return .null
        case .error(let e): return .string(e)
        }
    }
}
