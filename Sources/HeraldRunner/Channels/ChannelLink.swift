import HeraldContract
import HeraldCore
import HeraldTransport

/// Something that happened on one channel connection, whatever its kind, in arrival order.
enum InboundEvent: Sendable {
    /// A message.
    case message(InboundMessage)
    /// The connection dropped; a transport that reconnects by itself follows with `.restored`.
    case dropped(detail: String, at: MonotonicInstant)
    /// A dropped connection is back, its subscription in place again.
    case restored(at: MonotonicInstant)
    /// Something worth a line on the timeline (a slow consumer, say).
    case note(String)
    /// The connection ended for good: closed by Herald (`local`) or by the peer.
    case closed(code: Int?, reason: String, at: MonotonicInstant, local: Bool)
}

/// One message of any channel kind, as the timeline and the judge see it.
struct InboundMessage: Sendable {
    /// The payload.
    var bytes: [UInt8]
    /// Whether the payload is text (every kind but binary WebSocket frames).
    var isText = true
    /// The payload as text, when the transport already decoded it.
    var text: String?
    /// What it arrived on: NATS subject, MQTT topic, Redis channel or key, SSE event name.
    var subject: String?
    /// Message headers (NATS).
    var headers: [HTTPHeader] = []
    /// The SSE event id.
    var id: String?
    /// MQTT retained flag.
    var retained: Bool?
    /// When it arrived (stamped on the transport's thread).
    var receivedAt: MonotonicInstant
}

/// One open subscription of a channel: a WebSocket, an SSE stream, or a broker subscription, with its own connection.
protocol ChannelLink: Sendable {
    /// The events of this connection, mapped from the transport's own stream.
    associatedtype Inbound: AsyncSequence<InboundEvent, Never> & Sendable
    /// The events of this connection.
    var inbound: Inbound { get }
    /// Where it is connected, credentials masked, for the timeline.
    var address: String { get }
    /// Sends a text message on the connection (WebSocket only).
    func send(text: String) throws
    /// Closes the connection; the inbound sequence then ends.
    func close() async
    /// Lets the transport's thread give a message that comes after a quiet spell straight to `handler`, which
    /// records it as the reader would, instead of waking the reader's task (see `EventQueue.handleSparse`).
    func handleSparse(with handler: @escaping @Sendable (InboundEvent) -> Void)
}

extension ChannelLink {
    /// Every event goes through the reader's task (the default, for transports with more than one thread).
    func handleSparse(with handler: @escaping @Sendable (InboundEvent) -> Void) {}

    func send(text: String) throws {
        throw InfrastructureError("only WebSocket channels send on their connection",
                                  hint: "use publish: SERVICE SUBJECT to put a message on a broker")
    }
}

/// What opening a channel connection needs besides the channel itself.
struct ChannelContext: Sendable {
    /// The service's base URL, rendered.
    var baseURL: String?
    /// The channel's target (path, subject, topic, key pattern), rendered for the actor.
    var target: String
    /// Headers (WebSocket, SSE), rendered for the actor.
    var headers: [HTTPHeader]
    /// User name, password and token (brokers), rendered for the actor.
    var username: String?
    var password: String?
    var token: String?
    /// TLS settings of the service.
    var tls: TLSOptions
    /// How long connecting and confirming the subscription may take.
    var timeout: Duration
    /// A name for the connection (MQTT client id, NATS connection name).
    var clientName: String
}

extension URLs {
    /// `url` with `user:password@` put into its authority, when a user or password is given.
    static func withCredentials(_ url: String, user: String?, password: String?) -> String {
        guard user != nil || password != nil, let scheme = url.range(of: "://") else { return url }
        func enc(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed.subtracting(.init(charactersIn: ":@"))) ?? s }
        let rest = url[scheme.upperBound...]
        let hostPart = rest.firstIndex(of: "@").map { rest[rest.index(after: $0)...] } ?? rest
        let userinfo = enc(user ?? "") + (password.map { ":" + enc($0) } ?? "")
        return String(url[..<scheme.upperBound]) + userinfo + "@" + hostPart
    }
}
