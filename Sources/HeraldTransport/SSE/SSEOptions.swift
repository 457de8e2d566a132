/// What server-sent event stream to open, and how.
public struct SSEOptions: Sendable {
    /// An absolute `http://` or `https://` URL. Messages show it with any userinfo password masked.
    public var url: String
    /// Extra request headers (credentials, tenant…), sent on every connection after `Accept:
    /// text/event-stream` and `Cache-Control: no-cache` (a header named here replaces the default of that name).
    public var headers: [HTTPHeader]
    /// Certificate checks for `https://`.
    public var tls: TLSOptions
    /// How long resolving, connecting (and TLS) and the response headers may take.
    public var connectTimeout: Duration
    /// Whether to connect again after the connection ends, as EventSource does: after the server's `retry` time
    /// (1 s until it sets one, at most 30 s), with `Last-Event-ID`.
    public var reconnect: Bool
    /// The event ID to resume after, sent as `Last-Event-ID` on the first request too.
    public var lastEventID: String?

    /// Creates options; by default no extra headers, verified TLS, 5 s to connect, reconnecting.
    public init(url: String, headers: [HTTPHeader] = [], tls: TLSOptions = TLSOptions(),
                connectTimeout: Duration = .seconds(5), reconnect: Bool = true, lastEventID: String? = nil) {
        self.url = url
        self.headers = headers
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.reconnect = reconnect
        self.lastEventID = lastEventID
    }
}
