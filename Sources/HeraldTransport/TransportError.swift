import HeraldCore

/// A network failure: the peer could not be reached, refused, timed out, or broke the protocol.
///
/// Every transport error is an infrastructure problem (exit code 3), not a contract failure: it happened before
/// there was anything to judge. The description names the URL (with any password masked), for example
/// `cannot connect to ws://127.0.0.1:9/ws: connection refused`.
public struct TransportError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable, Equatable {
        case connectionRefused
        case upgradeRefused(status: Int)
        case dnsFailure
        case tlsFailure
        case timeout(Duration?)
        case closed
        case invalidURL
        case protocolFailure
        case systemFailure
    }

    private let code: Code
    /// The URL the operation was for, with any userinfo password masked.
    public let url: String
    /// What the underlying library said, when it said something useful.
    public let detail: String?

    private init(_ code: Code, url: String, detail: String?) {
        self.code = code
        self.url = URLText.masked(url)
        self.detail = detail.flatMap { $0.isEmpty ? nil : $0 }
    }

    // MARK: - Constructors

    /// Nothing listens at the address (or it could not be reached at all).
    public static func connectionRefused(url: String, detail: String? = nil) -> TransportError {
        TransportError(.connectionRefused, url: url, detail: detail)
    }

    /// The server answered the WebSocket upgrade with an HTTP status other than 101.
    public static func upgradeRefused(status: Int, url: String, detail: String? = nil) -> TransportError {
        TransportError(.upgradeRefused(status: status), url: url, detail: detail)
    }

    /// The host name could not be resolved.
    public static func dnsFailure(url: String, detail: String? = nil) -> TransportError {
        TransportError(.dnsFailure, url: url, detail: detail)
    }

    /// The TLS handshake failed (certificate not trusted, wrong host name, protocol mismatch…).
    public static func tlsFailure(url: String, detail: String? = nil) -> TransportError {
        TransportError(.tlsFailure, url: url, detail: detail)
    }

    /// The operation did not finish within `after`.
    public static func timeout(url: String, after: Duration? = nil, detail: String? = nil) -> TransportError {
        TransportError(.timeout(after), url: url, detail: detail)
    }

    /// The connection or the engine was already closed.
    public static func closed(url: String, detail: String? = nil) -> TransportError {
        TransportError(.closed, url: url, detail: detail)
    }

    /// The URL cannot be used (wrong scheme, no host, bad port…).
    public static func invalidURL(_ url: String, detail: String? = nil) -> TransportError {
        TransportError(.invalidURL, url: url, detail: detail)
    }

    /// The peer broke the protocol or hung up mid-exchange.
    public static func protocolFailure(url: String, detail: String? = nil) -> TransportError {
        TransportError(.protocolFailure, url: url, detail: detail)
    }

    /// A local resource failed (a thread, a library context, memory).
    public static func systemFailure(url: String, detail: String? = nil) -> TransportError {
        TransportError(.systemFailure, url: url, detail: detail)
    }

    // MARK: - Checks

    /// True when nothing accepted the connection.
    public var isConnectionRefused: Bool { code == .connectionRefused }
    /// The HTTP status of a refused WebSocket upgrade, nil for every other error.
    public var upgradeStatus: Int? {
        if case .upgradeRefused(let status) = code { return status }
        return nil
    }
    /// True when the host name could not be resolved.
    public var isDNSFailure: Bool { code == .dnsFailure }
    /// True when the TLS handshake failed.
    public var isTLSFailure: Bool { code == .tlsFailure }
    /// True when a deadline passed.
    public var isTimeout: Bool {
        if case .timeout = code { return true }
        return false
    }
    /// True when the connection or engine was already closed.
    public var isClosed: Bool { code == .closed }
    /// True when the URL itself could not be used.
    public var isInvalidURL: Bool { code == .invalidURL }
    /// True when the peer broke the protocol or hung up mid-exchange.
    public var isProtocolFailure: Bool { code == .protocolFailure }

    /// Whether this is an infrastructure error (a service or socket failed before judging was possible).
    /// Always true for transport errors; the property exists so callers can ask any error the same question.
    public var isInfrastructure: Bool { true }

    // MARK: - Description

    /// One line for people: what failed, for which URL, and why.
    public var description: String {
        let why: String
        switch code {
        case .connectionRefused: why = "cannot connect to \(url): connection refused"
        case .upgradeRefused(let status): why = "cannot connect to \(url): the server refused the WebSocket upgrade with HTTP \(status)"
        case .dnsFailure: why = "cannot connect to \(url): cannot resolve the host name"
        case .tlsFailure: why = "cannot connect to \(url): TLS handshake failed"
        case .timeout(let after?): why = "\(url): timed out after \(Self.format(after))"
        case .timeout(nil): why = "\(url): timed out"
        case .closed: why = "\(url): connection closed"
        case .invalidURL: why = "invalid URL \(url)"
        case .protocolFailure: why = "\(url): protocol failure"
        case .systemFailure: why = "\(url): local failure"
        }
        return detail.map { "\(why) (\($0))" } ?? why
    }

    private static func format(_ d: Duration) -> String {
        let ms = d.milliseconds
        if ms < 1000 { return "\(Int(ms.rounded())) ms" }
        let s = ms / 1000
        return s == s.rounded() ? "\(Int(s)) s" : "\((s * 10).rounded() / 10) s"
    }
}
