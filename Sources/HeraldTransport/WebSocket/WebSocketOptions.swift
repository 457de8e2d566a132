/// What to connect to, and how.
public struct WebSocketOptions: Sendable {
    /// A `ws://` or `wss://` URL, with path and query.
    public var url: String
    /// Extra handshake headers, e.g. a per-actor `Authorization`.
    public var headers: [HTTPHeader]
    /// The subprotocol to ask for (`Sec-WebSocket-Protocol`), or nil.
    public var subprotocol: String?
    /// Certificate checks for `wss://`.
    public var tls: TLSOptions
    /// How long DNS, TCP, TLS and the upgrade may take together.
    public var connectTimeout: Duration
    /// The largest message accepted, in bytes: a longer one fails the connection with close code 1009.
    public var maxMessageSize: Int

    /// The default ``maxMessageSize``: 16 MiB.
    public static let defaultMaxMessageSize = 16 << 20

    /// Creates options; by default no extra headers, no subprotocol, verified TLS, a 5 s connect timeout and
    /// messages of at most 16 MiB.
    public init(url: String, headers: [HTTPHeader] = [], subprotocol: String? = nil, tls: TLSOptions = TLSOptions(),
                connectTimeout: Duration = .seconds(5), maxMessageSize: Int = WebSocketOptions.defaultMaxMessageSize) {
        self.url = url
        self.headers = headers
        self.subprotocol = subprotocol
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.maxMessageSize = maxMessageSize
    }
}
