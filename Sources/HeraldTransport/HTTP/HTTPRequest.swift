/// One HTTP request to send.
public struct HTTPRequest: Sendable {
    /// Any verb: `GET`, `POST`, `DELETE`, `PATCH`, `HEAD`…
    public var method: String
    /// An absolute `http://` or `https://` URL, with query.
    public var url: String
    /// Request headers, sent in this order with these spellings.
    public var headers: [HTTPHeader]
    /// The body, or nil for none. `POST`, `PUT` and `PATCH` without a body send `Content-Length: 0`.
    public var body: [UInt8]?
    /// Deadline for the whole exchange (DNS to last body byte).
    public var timeout: Duration
    /// Whether to follow 3xx redirects (at most 10); the response is then the last one.
    public var followRedirects: Bool
    /// Certificate checks for `https://`.
    public var tls: TLSOptions

    /// Creates a request; by default a `GET` with no headers or body, a 10 s timeout, no redirects, verified TLS.
    public init(method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8]? = nil,
                timeout: Duration = .seconds(10), followRedirects: Bool = false, tls: TLSOptions = TLSOptions()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.followRedirects = followRedirects
        self.tls = tls
    }
}
