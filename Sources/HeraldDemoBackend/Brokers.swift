import HeraldCore
import HeraldTransport
import Logging

/// A broker of the configuration could not be reached when the backend started.
public struct DemoBrokerError: Error, CustomStringConvertible, Sendable {
    /// `NATS`, `Redis` or `MQTT`.
    public let broker: String
    /// The broker's URL, with any password masked.
    public let url: String
    /// Why it could not be used.
    public let reason: String

    /// Creates the error; the password of `url` is masked.
    /// - Parameters:
    ///   - broker: `NATS`, `Redis` or `MQTT`.
    ///   - url: The URL as configured.
    ///   - reason: Why it could not be used.
    public init(broker: String, url: String, reason: String) {
        self.broker = broker
        self.url = Self.masked(url)
        self.reason = reason
    }

    /// One line for people, such as `cannot reach the NATS broker at nats://127.0.0.1:4222: connection refused`.
    public var description: String {
        // Transport errors start by naming the URL again; say it once.
        var why = reason
        for prefix in ["cannot connect to \(url): ", "\(url): "] where why.hasPrefix(prefix) {
            why = String(why.dropFirst(prefix.count))
        }
        return "cannot reach the \(broker) broker at \(url): \(why)"
    }

    /// `scheme://user:***@host…` for a URL with a password.
    static func masked(_ url: String) -> String { URLCredentials.masked(url, mask: "***", bareSecret: true) }
}

/// The connections to the configured brokers, opened before the backend listens and closed after it stopped.
struct BrokerConnections: Sendable {
    /// How long connecting to one broker may take.
    static let connectTimeout: Duration = .seconds(3)

    let nats: NATSConnection?
    let redis: RedisConnection?
    let mqtt: (any NotificationPublisher)?

    /// No broker at all.
    static let none = BrokerConnections(nats: nil, redis: nil, mqtt: nil)

    /// Connects to every broker the configuration names, each within ``connectTimeout``.
    /// - Throws: ``DemoBrokerError`` for the first that cannot be reached (those already open are closed);
    ///   `CancellationError`.
    static func connect(_ config: DemoBackendConfiguration, logger: Logger) async throws -> BrokerConnections {
        var opened = BrokerConnections.none
        do {
            if let url = config.natsURL {
                let options = NATSOptions(url: url, name: "herald-demo", connectTimeout: connectTimeout,
                                          reconnect: .forever(wait: .milliseconds(250)))
                let nats = try await attempt("NATS", url) { try await NATSConnection.connect(options) }
                opened = BrokerConnections(nats: nats, redis: nil, mqtt: nil)
            }
            if let url = config.redisURL {
                let options = RedisOptions(url: url, connectTimeout: connectTimeout, commandTimeout: .seconds(2))
                let redis = try await attempt("Redis", url) { try await RedisConnection.connect(options) }
                opened = BrokerConnections(nats: opened.nats, redis: redis, mqtt: nil)
            }
            if let url = config.mqttURL {
                let mqtt = try await attempt("MQTT", url) {
                    try await MQTTNotificationPublisher.connect(url: url, timeout: connectTimeout)
                }
                opened = BrokerConnections(nats: opened.nats, redis: opened.redis, mqtt: mqtt)
            }
            return opened
        } catch {
            await opened.close()
            throw error
        }
    }

    private static func attempt<T>(_ broker: String, _ url: String, _ connect: () async throws -> T) async throws -> T {
        do {
            return try await connect()
        } catch let error as CancellationError {
            throw error
        } catch {
            throw DemoBrokerError(broker: broker, url: url, reason: "\(error)")
        }
    }

    /// Closes every connection (NATS flushes what is buffered first).
    func close() async {
        await nats?.close()
        await redis?.close()
        await mqtt?.close()
    }
}
