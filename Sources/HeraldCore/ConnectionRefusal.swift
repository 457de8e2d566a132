/// How a server turned a connection down, as opposed to being unreachable or failing mid-way: what a channel's
/// `expect: { refused: … }` is judged against.
public enum ConnectionRefusal: Sendable, Hashable, CustomStringConvertible {
    /// A WebSocket upgrade or an SSE stream answered with this HTTP status.
    case status(Int)
    /// A broker refused the credentials (an MQTT CONNACK "not authorised" or "bad user name or password", a NATS
    /// authorization violation, a Redis NOAUTH or WRONGPASS).
    case notAuthorised

    /// `HTTP 403`, or `not authorised`.
    public var description: String {
        switch self {
        case .status(let s): "HTTP \(s)"
        case .notAuthorised: "not authorised"
        }
    }
}
