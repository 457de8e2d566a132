/// What MQTT broker to connect to, and how. The client speaks MQTT 3.1.1.
public struct MQTTOptions: Sendable {
    /// `mqtt://[user:password@]host[:port]` (port 1883 by default) or `mqtts://…` for TLS (port 8883 by default,
    /// checked as `tls` says). Messages always show the password masked (`mqtt://user:***@host:1883`).
    public var url: String
    /// The client identifier the broker knows this connection by. Two connections with the same identifier
    /// throw each other off the broker, so the default is a fresh random `herald-…` one.
    public var clientID: String
    /// A user name that overrides the URL's.
    public var username: String?
    /// A password that overrides the URL's. Never shown.
    public var password: String?
    /// How long resolving, TCP connect (and TLS) and the CONNECT/CONNACK exchange may take together.
    public var connectTimeout: Duration
    /// The MQTT keep-alive interval: the client pings when it has sent nothing for this long, and a broker that
    /// stays silent for 1.5 times as long counts as gone. Whole seconds, at least 5 (0 turns keep-alive off).
    public var keepAlive: Duration
    /// Start with a clean session (the broker forgets earlier subscriptions and queued messages of this
    /// client identifier). With `false` the client identifier must be stable and not empty.
    public var cleanSession: Bool
    /// Certificate checks for `mqtts://`.
    public var tls: TLSOptions
    /// How long `subscribe` waits for the broker's SUBACK and a QoS 1 or 2 `publish` for its acknowledgement.
    public var acknowledgementTimeout: Duration

    /// Creates options; by default a random client identifier, 5 s to connect, a 30 s keep-alive, a clean
    /// session, verified TLS and 5 s for acknowledgements.
    public init(url: String, clientID: String = MQTTOptions.randomClientID(), username: String? = nil,
                password: String? = nil, connectTimeout: Duration = .seconds(5), keepAlive: Duration = .seconds(30),
                cleanSession: Bool = true, tls: TLSOptions = TLSOptions(),
                acknowledgementTimeout: Duration = .seconds(5)) {
        self.url = url
        self.clientID = clientID
        self.username = username
        self.password = password
        self.connectTimeout = connectTimeout
        self.keepAlive = keepAlive
        self.cleanSession = cleanSession
        self.tls = tls
        self.acknowledgementTimeout = acknowledgementTimeout
    }

    /// A client identifier that no other connection uses: `herald-` and 16 random hex digits (23 characters,
    /// the most every MQTT 3.1.1 broker must accept).
    public static func randomClientID() -> String {
        let digits = String(UInt64.random(in: .min ... .max), radix: 16)
        return "herald-" + String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// The parts of an `mqtt://` or `mqtts://` URL.
struct MQTTURL: Sendable {
    let host: String
    let port: Int
    let user: String?
    let password: String?
    let tls: Bool

    init?(_ text: String) {
        guard let parts = URLParts(text), parts.scheme == "mqtt" || parts.scheme == "mqtts" else { return nil }
        guard parts.pathAndQuery == "/" else { return nil }
        tls = parts.scheme == "mqtts"
        host = parts.host
        port = parts.explicitPort ? parts.port : (tls ? 8883 : 1883)
        user = parts.user.flatMap { $0.isEmpty ? nil : Self.percentDecoded($0) }
        password = parts.password.map(Self.percentDecoded)
    }

    /// `url` with its password masked, and a userinfo without a colon left as it is (MQTT reads it as a user).
    static func masked(_ url: String) -> String { URLText.masked(url) }

    /// `%XX` escapes decoded (user names and passwords with `@`, `:` or `/` must be escaped in a URL).
    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16) {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
