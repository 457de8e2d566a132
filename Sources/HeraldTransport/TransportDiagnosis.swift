import HeraldCore

/// How a transport failure is told to a person, the same way for every transport: one line saying what failed and
/// for which URL (``description``), what to check (``hint``), and the exit code it makes (infrastructure, 3: it
/// happened before there was anything to judge). The runner reports every transport's errors through this alone.
public protocol TransportDiagnosis: Error, CustomStringConvertible, Sendable {
    /// What to check, for people; `nil` when the description says it all.
    var hint: String? { get }
    /// The exit status of a run this failure stops.
    var exitStatus: ExitStatus { get }
    /// How the server refused the connection, when it did (a status, refused credentials); `nil` for a failure that
    /// is not a refusal (unreachable, timed out, dropped).
    var refusal: ConnectionRefusal? { get }
}

extension TransportDiagnosis {
    /// Infrastructure (3), for every transport failure.
    public var exitStatus: ExitStatus { .infrastructure }
    /// Not a refusal, unless the transport says otherwise.
    public var refusal: ConnectionRefusal? { nil }
}

/// Hints shared by the transports.
enum TransportHint {
    static let notRunning = "is the service running, and is the URL (host and port) right?"
    static let dns = "check the host name in the service URL"
    static let tls = "check the server's certificate: ca_file: for a private CA, or --insecure for a test server"
    static let slow = "the service did not answer in time: is it overloaded, or is a firewall dropping packets?"
    static let hungUp = "the peer hung up: check its logs"
    static let notWebSocket = "the server does not speak WebSocket as RFC 6455 says: is this URL a WebSocket endpoint, and is a proxy in between rewriting the upgrade or the frames?"
    static func credentials(_ what: String) -> String {
        "the server refused the credentials: check \(what)"
    }

    /// Whether a library's message says the credentials were refused.
    static func refusesCredentials(_ text: String?) -> Bool {
        guard let t = text?.lowercased() else { return false }
        return ["authorization violation", "authentication", "not authorized", "not authorised", "noauth", "wrongpass",
                "invalid password", "invalid username"].contains { t.contains($0) }
    }
}

extension TransportError: TransportDiagnosis {
    /// The status of a refused upgrade, or refused credentials.
    public var refusal: ConnectionRefusal? {
        if let status = upgradeStatus { return .status(status) }
        return TransportHint.refusesCredentials(detail) ? .notAuthorised : nil
    }

    /// What to check, by what failed.
    public var hint: String? {
        if TransportHint.refusesCredentials(detail) { return TransportHint.credentials("the user and password in the service URL, or the token") }
        if let status = upgradeStatus {
            switch status {
            case 401, 403: return TransportHint.credentials("the channel's headers (Authorization) and the actor's token")
            case 404: return "check the channel's path: the server has no WebSocket there"
            default: return "check the channel's path and headers against what the server expects"
            }
        }
        if isConnectionRefused { return TransportHint.notRunning }
        if isDNSFailure { return TransportHint.dns }
        if isTLSFailure { return TransportHint.tls }
        if isTimeout { return TransportHint.slow }
        if isInvalidURL { return "check the service URL and the path" }
        if isProtocolFailure, detail?.contains("RFC 6455") == true { return TransportHint.notWebSocket }
        if isClosed || isProtocolFailure { return TransportHint.hungUp }
        return nil
    }
}

extension MQTTError: TransportDiagnosis {
    /// A CONNACK of 4 (bad user name or password) or 5 (not authorised).
    public var refusal: ConnectionRefusal? {
        connackCode == 4 || connackCode == 5 ? .notAuthorised : nil
    }

    /// What to check, by what failed.
    public var hint: String? {
        if let rc = connackCode {
            return rc == 4 || rc == 5 ? TransportHint.credentials("the user and password in the service URL (mqtt://user:password@host) and the broker's ACL")
                : "the broker refused the connection: check its configuration and the protocol version"
        }
        if !refusedTopics.isEmpty { return "the broker's ACL does not let this user subscribe there: check the user's topic permissions" }
        if isDNSFailure { return TransportHint.dns }
        if isUnreachable { return TransportHint.notRunning }
        if isTLSFailure { return TransportHint.tls }
        if isTimeout { return TransportHint.slow }
        if isConnectionLost { return TransportHint.hungUp }
        return nil
    }
}

extension NATSError: TransportDiagnosis {
    /// An authorization violation.
    public var refusal: ConnectionRefusal? { TransportHint.refusesCredentials(description) ? .notAuthorised : nil }

    /// What to check, by what failed.
    public var hint: String? {
        if TransportHint.refusesCredentials(description) || description.lowercased().contains("permission") {
            return TransportHint.credentials("the user's permissions for the subject on the NATS server")
        }
        if description.hasPrefix("no responders") { return "nothing subscribes to the subject: is the service that answers running?" }
        return nil
    }
}

extension RedisError: TransportDiagnosis {
    /// NOAUTH or WRONGPASS.
    public var refusal: ConnectionRefusal? { TransportHint.refusesCredentials(description) ? .notAuthorised : nil }

    /// What to check, by what failed.
    public var hint: String? {
        TransportHint.refusesCredentials(description) ? TransportHint.credentials("the password in the service URL (redis://:password@host)") : nil
    }
}

extension SSEError: TransportDiagnosis {
    /// The HTTP status the stream was answered with.
    public var refusal: ConnectionRefusal? { status.map { .status($0) } }

    /// What to check, by what failed.
    public var hint: String? {
        if let status = self.status, status == 401 || status == 403 {
            return TransportHint.credentials("the channel's headers (Authorization) and the actor's token")
        }
        if isConnectionRefused { return TransportHint.notRunning }
        if isDNSFailure { return TransportHint.dns }
        if isTLSFailure { return TransportHint.tls }
        return "check the stream's path and the channel's headers"
    }
}

extension InfrastructureError {
    /// The error a transport failure makes where `what` (`channel 'inbox' for buyer`, `broker nats://…`,
    /// `POST http://…`) needed the connection: its description after `what`, and its hint.
    public init(diagnosing failure: any TransportDiagnosis, _ what: String) {
        self.init("\(what): \(failure.description)", hint: failure.hint)
    }
}
