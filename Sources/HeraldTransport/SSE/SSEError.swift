import HeraldCore

/// Why a server-sent event stream could not be opened.
///
/// The description names the URL (password masked) and what the server did, for example
/// `http://127.0.0.1:8080/events: the server answered HTTP 401 instead of an event stream: {"error":"bad token"}`.
public struct SSEError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable, Equatable {
        case invalidURL(String)
        case refused(String?)
        case dnsFailure(String)
        case tlsFailure(String)
        case timeout(Duration, String?)
        case httpStatus(Int, body: String)
        case wrongContentType(String?)
        case transfer(String)
        case closed
        case system(String)
    }

    private let code: Code
    /// The stream's URL, with any password masked.
    public let url: String

    private init(_ code: Code, url: String) {
        self.code = code
        self.url = url
    }

    static func invalidURL(_ detail: String, url: String) -> SSEError { SSEError(.invalidURL(detail), url: url) }
    static func refused(_ detail: String?, url: String) -> SSEError { SSEError(.refused(detail), url: url) }
    static func dnsFailure(_ detail: String, url: String) -> SSEError { SSEError(.dnsFailure(detail), url: url) }
    static func tlsFailure(_ detail: String, url: String) -> SSEError { SSEError(.tlsFailure(detail), url: url) }
    static func timeout(after: Duration, detail: String? = nil, url: String) -> SSEError {
        SSEError(.timeout(after, detail), url: url)
    }
    static func httpStatus(_ status: Int, body: String, url: String) -> SSEError {
        SSEError(.httpStatus(status, body: body), url: url)
    }
    static func wrongContentType(_ contentType: String?, url: String) -> SSEError {
        SSEError(.wrongContentType(contentType), url: url)
    }
    static func transfer(_ detail: String, url: String) -> SSEError { SSEError(.transfer(detail), url: url) }
    static func closed(url: String) -> SSEError { SSEError(.closed, url: url) }
    static func system(_ detail: String, url: String) -> SSEError { SSEError(.system(detail), url: url) }

    /// True when nothing accepted the connection.
    public var isConnectionRefused: Bool {
        if case .refused = code { return true }
        return false
    }
    /// True when the host name could not be resolved.
    public var isDNSFailure: Bool {
        if case .dnsFailure = code { return true }
        return false
    }
    /// True when the TLS handshake failed.
    public var isTLSFailure: Bool {
        if case .tlsFailure = code { return true }
        return false
    }
    /// True when the connection or the response headers took longer than the connect timeout.
    public var isTimeout: Bool {
        if case .timeout = code { return true }
        return false
    }
    /// True when the URL cannot be used.
    public var isInvalidURL: Bool {
        if case .invalidURL = code { return true }
        return false
    }
    /// The HTTP status, when the server answered with something other than 200.
    public var status: Int? {
        if case .httpStatus(let status, _) = code { return status }
        return nil
    }
    /// The start of the body of a non-200 answer (at most 512 bytes, as text).
    public var bodyStart: String? {
        if case .httpStatus(_, let body) = code { return body }
        return nil
    }
    /// True when the server answered 200 with another content type than `text/event-stream`.
    public var isWrongContentType: Bool {
        if case .wrongContentType = code { return true }
        return false
    }
    /// True when the stream was closed on this side while opening.
    public var isClosed: Bool { code == .closed }

    /// One line for people: what failed, for which URL, and why.
    public var description: String {
        switch code {
        case .invalidURL(let detail): "invalid event stream URL \(url) (\(detail))"
        case .refused(let detail?): "cannot connect to \(url): connection refused (\(detail))"
        case .refused(nil): "cannot connect to \(url): connection refused"
        case .dnsFailure(let detail): "cannot connect to \(url): cannot resolve the host name (\(detail))"
        case .tlsFailure(let detail): "cannot connect to \(url): TLS handshake failed (\(detail))"
        case .timeout(let after, let detail?): "\(url): timed out after \(Self.format(after)) (\(detail))"
        case .timeout(let after, nil): "\(url): timed out after \(Self.format(after)) waiting for the response"
        case .httpStatus(let status, let body):
            "\(url): the server answered HTTP \(status) instead of an event stream" + (body.isEmpty ? "" : ": \(body)")
        case .wrongContentType(let type?):
            "\(url): the server answered 200 with Content-Type \(type), not text/event-stream"
        case .wrongContentType(nil):
            "\(url): the server answered 200 without a Content-Type, not text/event-stream"
        case .transfer(let detail): "\(url): the event stream failed (\(detail))"
        case .closed: "\(url): the event stream was closed"
        case .system(let detail): "\(url): local failure (\(detail))"
        }
    }

    private static func format(_ d: Duration) -> String {
        let ms = d.milliseconds
        if ms < 1000 { return "\(Int(ms.rounded())) ms" }
        let s = ms / 1000
        return s == s.rounded() ? "\(Int(s)) s" : "\((s * 10).rounded() / 10) s"
    }
}
