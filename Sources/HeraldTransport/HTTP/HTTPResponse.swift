import HeraldCore

/// How long the phases of one request took, in seconds from its start, as libcurl reports them
/// (`CURLINFO_*_TIME_T`): each value includes the phases before it. DNS and connect are 0 on a reused connection,
/// TLS is 0 for plain HTTP.
public struct HTTPTimings: Sendable, Codable, Hashable {
    /// Name resolution finished.
    public var dns: Double
    /// TCP connection established.
    public var connect: Double
    /// TLS handshake finished.
    public var tls: Double
    /// First response byte received.
    public var firstByte: Double
    /// Whole exchange finished.
    public var total: Double

    /// Creates timings.
    public init(dns: Double, connect: Double, tls: Double, firstByte: Double, total: Double) {
        self.dns = dns
        self.connect = connect
        self.tls = tls
        self.firstByte = firstByte
        self.total = total
    }
}

/// The response to an `HTTPRequest` (the last one, when redirects were followed).
public struct HTTPResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Response headers in order, names as the server sent them.
    public var headers: [HTTPHeader]
    /// The body, as received (no decompression is asked for).
    public var body: [UInt8]
    /// Per-phase timings.
    public var timings: HTTPTimings
    /// When the request started, on the thread that ran it.
    public var startedAt: MonotonicInstant
    /// When the last byte arrived, on the thread that read it.
    public var finishedAt: MonotonicInstant

    /// Creates a response.
    public init(status: Int, headers: [HTTPHeader], body: [UInt8], timings: HTTPTimings,
                startedAt: MonotonicInstant, finishedAt: MonotonicInstant) {
        self.status = status
        self.headers = headers
        self.body = body
        self.timings = timings
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }

    /// The value of the first header called `name` (compared case-insensitively), or nil.
    public func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return headers.first { $0.name.lowercased() == wanted }?.value
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
