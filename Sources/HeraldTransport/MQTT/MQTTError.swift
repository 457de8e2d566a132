import HeraldCore

/// Something an MQTT connection could not do: reach the broker, be accepted by it, get an acknowledgement in
/// time, or a subscription or topic the broker or the client refused.
///
/// The description names the URL with the password masked and says what to check, for example
/// `cannot connect to mqtt://alice:***@127.0.0.1:1883: connection refused (is an MQTT broker listening there?)`.
public struct MQTTError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable, Equatable {
        case invalidURL(String)
        case invalidArgument(String)
        case dnsFailure(String)
        case unreachable(String)
        case tlsFailure(String)
        case refused(connack: Int)
        case timeout(Duration, waitingFor: String)
        case connectionLost(String)
        case noConnack(String)
        case notConnected
        case closed
        case subscriptionRefused([String])
        case invalidTopic(String)
        case library(String)
    }

    private let code: Code
    /// The broker URL, with the password masked.
    public let url: String

    private init(_ code: Code, url: String) {
        self.code = code
        self.url = url
    }

    // MARK: - Constructors (module-internal: the transport makes these)

    static func invalidURL(_ url: String) -> MQTTError {
        MQTTError(.invalidURL("expected mqtt://[user:password@]host[:port] or mqtts://…"), url: url)
    }

    static func invalidArgument(_ detail: String, url: String) -> MQTTError { MQTTError(.invalidArgument(detail), url: url) }
    static func dnsFailure(_ detail: String, url: String) -> MQTTError { MQTTError(.dnsFailure(detail), url: url) }
    static func unreachable(_ detail: String, url: String) -> MQTTError { MQTTError(.unreachable(detail), url: url) }
    static func tlsFailure(_ detail: String, url: String) -> MQTTError { MQTTError(.tlsFailure(detail), url: url) }
    static func refused(connack: Int, url: String) -> MQTTError { MQTTError(.refused(connack: connack), url: url) }
    static func timeout(after: Duration, waitingFor what: String, url: String) -> MQTTError {
        MQTTError(.timeout(after, waitingFor: what), url: url)
    }
    static func connectionLost(_ detail: String, url: String) -> MQTTError { MQTTError(.connectionLost(detail), url: url) }
    static func noConnack(_ detail: String, url: String) -> MQTTError { MQTTError(.noConnack(detail), url: url) }
    static func notConnected(url: String) -> MQTTError { MQTTError(.notConnected, url: url) }
    static func closed(url: String) -> MQTTError { MQTTError(.closed, url: url) }
    static func subscriptionRefused(_ topics: [String], url: String) -> MQTTError {
        MQTTError(.subscriptionRefused(topics), url: url)
    }
    static func invalidTopic(_ topic: String, url: String) -> MQTTError { MQTTError(.invalidTopic(topic), url: url) }
    static func library(_ detail: String, url: String) -> MQTTError { MQTTError(.library(detail), url: url) }

    // MARK: - Checks

    /// True when the URL cannot be used (wrong scheme, no host, a path…).
    public var isInvalidURL: Bool {
        if case .invalidURL = code { return true }
        return false
    }
    /// True when the host name could not be resolved.
    public var isDNSFailure: Bool {
        if case .dnsFailure = code { return true }
        return false
    }
    /// True when no TCP connection could be made (refused, no route).
    public var isUnreachable: Bool {
        if case .unreachable = code { return true }
        return false
    }
    /// True when the TLS handshake or the TLS set-up failed.
    public var isTLSFailure: Bool {
        if case .tlsFailure = code { return true }
        return false
    }
    /// True when the broker answered CONNECT with a refusal (bad user name or password, not authorised…).
    public var isRefused: Bool { connackCode != nil }
    /// The CONNACK return code of a refused connection (4: bad user name or password, 5: not authorised).
    public var connackCode: Int? {
        if case .refused(let rc) = code { return rc }
        return nil
    }
    /// True when a deadline passed (CONNACK, SUBACK, a publish acknowledgement).
    public var isTimeout: Bool {
        if case .timeout = code { return true }
        return false
    }
    /// True when the connection dropped while the operation waited (or, connecting, before the CONNACK), or was
    /// down when it started.
    public var isConnectionLost: Bool {
        switch code {
        case .connectionLost, .noConnack, .notConnected: true
        default: false
        }
    }
    /// True when the connection was closed on this side.
    public var isClosed: Bool { code == .closed }
    /// The topics the broker refused in a SUBACK (return code 0x80), empty for other errors.
    public var refusedTopics: [String] {
        if case .subscriptionRefused(let topics) = code { return topics }
        return []
    }
    /// True when a topic or topic filter is malformed (a wildcard in a publish topic, `#` not last, not UTF-8…).
    public var isInvalidTopic: Bool {
        if case .invalidTopic = code { return true }
        return false
    }

    /// Whether this is an infrastructure error (the broker could not be used), as opposed to a refused topic
    /// or argument, which is the contract's or the caller's doing.
    public var isInfrastructure: Bool {
        switch code {
        case .invalidArgument, .invalidTopic, .subscriptionRefused: false
        default: true
        }
    }

    // MARK: - Description

    /// One line for people: what failed, for which broker, and what to check.
    public var description: String {
        switch code {
        case .invalidURL(let expected):
            "invalid MQTT URL \(url) (\(expected))"
        case .invalidArgument(let detail):
            "\(url): \(detail)"
        case .dnsFailure(let detail):
            "cannot connect to \(url): cannot resolve the host name (\(detail))"
        case .unreachable(let detail):
            "cannot connect to \(url): \(detail) (is an MQTT broker listening there?)"
        case .tlsFailure(let detail):
            "cannot connect to \(url): TLS failed (\(detail))"
                + (detail.hasPrefix("cannot set up") ? "" : "; check that the port speaks TLS and that its certificate is trusted (tls.caFile) and names the host")
        case .refused(let rc):
            "\(url): the broker refused the connection: \(Self.connackText(rc)) (CONNACK \(rc))"
        case .timeout(let after, let what):
            "\(url): timed out after \(Self.format(after)) waiting for \(what)"
        case .connectionLost(let detail):
            "\(url): the connection to the broker dropped (\(detail))"
        case .noConnack(let detail):
            "cannot connect to \(url): the connection closed before the broker answered CONNECT (\(detail); "
                + "is this an MQTT port, and does it want mqtts:// or mqtt://?)"
        case .notConnected:
            "\(url): not connected to the broker at the moment (reconnecting)"
        case .closed:
            "\(url): the MQTT connection is closed"
        case .subscriptionRefused(let topics):
            "\(url): the broker refused the subscription to \(topics.joined(separator: ", ")) (SUBACK 0x80; check the broker's ACL)"
        case .invalidTopic(let topic):
            "\(url): invalid MQTT topic '\(topic)'"
        case .library(let detail):
            "\(url): libmosquitto failed: \(detail)"
        }
    }

    /// What a CONNACK return code of MQTT 3.1.1 means, with the likely fix.
    static func connackText(_ rc: Int) -> String {
        switch rc {
        case 1: "unacceptable protocol version"
        case 2: "client identifier rejected"
        case 3: "server unavailable"
        case 4: "bad user name or password"
        case 5: "not authorised (check the user name and password, and the broker's ACL)"
        default: "return code \(rc)"
        }
    }

    private static func format(_ d: Duration) -> String {
        let ms = d.milliseconds
        if ms < 1000 { return "\(Int(ms.rounded())) ms" }
        let s = ms / 1000
        return s == s.rounded() ? "\(Int(s)) s" : "\((s * 10).rounded() / 10) s"
    }
}
