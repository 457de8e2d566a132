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
    private var nats: [String: NATSConnection] = [:]
    private var redis: [String: RedisConnection] = [:]
    private var mqtt: [String: MQTTConnection] = [:]

    init(timeout: Duration) { self.timeout = timeout }

    func natsConnection(_ url: String) async throws -> NATSConnection {
        if let c = nats[url] { return c }
        let c = try await NATSConnection.connect(NATSOptions(url: url, name: "herald-publisher", connectTimeout: timeout))
        if let raced = nats[url] {
            await c.close()
            return raced
        }
        nats[url] = c
        return c
    }

    func redisConnection(_ url: String) async throws -> RedisConnection {
        if let c = redis[url] { return c }
        let c = try await RedisConnection.connect(RedisOptions(url: url, connectTimeout: timeout))
        if let raced = redis[url] {
            await c.close()
            return raced
        }
        redis[url] = c
        return c
    }

    func mqttConnection(_ url: String) async throws -> MQTTConnection {
        if let c = mqtt[url] { return c }
        let c = try await MQTTConnection.connect(MQTTOptions(url: url, connectTimeout: timeout))
        if let raced = mqtt[url] {
            await c.close()
            return raced
        }
        mqtt[url] = c
        return c
    }

    func closeAll() async {
        for c in nats.values { await c.close() }
        for c in redis.values { await c.close() }
        for c in mqtt.values { await c.close() }
        nats = [:]
        redis = [:]
        mqtt = [:]
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
