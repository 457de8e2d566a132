#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import HeraldCore

/// What a successful handshake tells the caller.
struct Handshake: Sendable {
    var status: Int
    var subprotocol: String?
}

/// One connection's state on the service thread: the lws handle, the message being assembled, how it closed.
///
/// `@unchecked Sendable` is sound because a session is built by `connect` and then handed over, whole, to the
/// service thread in a command; from then on only the service thread reads or writes its mutable fields. The
/// fields other threads share (`outcome`, `outbox`, `continuation`) are Sendable themselves.
final class WebSocketSession: @unchecked Sendable {
    enum Phase {
        case connecting
        case open
        case ended
    }

    let id: Int
    /// The URL as given (error messages mask its password).
    let url: String
    let parts: URLParts
    /// Extra handshake headers; dropped once the connection is open.
    private(set) var headers: [HTTPHeader]
    let tls: TLSOptions
    /// How long connecting may take, and the instant it runs out (enforced on the service thread).
    let connectTimeout: Duration
    let deadline: MonotonicInstant
    let useTLS: Bool
    let outcome: OneShot<Result<Handshake, TransportError>>
    let outbox: Outbox
    let continuation: EventQueue<WebSocketEvent>

    /// Numeric addresses to try, in order.
    let addresses: [String]
    var addressIndex = 0

    /// C strings handed to `lws_client_connect_via_info`, owned here and freed by `releaseConnectState()` (once
    /// the connection is open: lws copied what it keeps) or in `deinit`.
    private(set) var cPath: UnsafeMutablePointer<CChar>?
    private(set) var cHost: UnsafeMutablePointer<CChar>?
    private(set) var cSubprotocol: UnsafeMutablePointer<CChar>?
    private(set) var cAddresses: [UnsafeMutablePointer<CChar>]

    // Service-thread state.
    var phase = Phase.connecting
    /// The lws handle of the current attempt, while it exists.
    var wsi: OpaquePointer?
    /// The token of the current attempt (its lws opaque user data); 0 between attempts.
    var token = 0
    /// Set when the deadline passed and the attempt was killed.
    var aborted = false
    /// Whether the session is on the engine's deadline list.
    var deadlineArmed = false
    /// Whether an attempt of this session holds one of the engine's handshake slots.
    var holdsSlot = false
    var assembling = false
    /// Set once the upgrade request is written: a connect deadline past it is a server that does not answer.
    var upgradeSent = false
    /// The `Sec-WebSocket-Protocol` the server answered, read before the handshake headers are released.
    var acceptedSubprotocol: String?
    var assemblingBinary = false
    var assembly: [UInt8] = []
    /// The largest message accepted (close code 1009 past it).
    let maxMessageSize: Int
    var peerClose: (code: Int, reason: String)?
    var localClose: (code: Int, reason: String)?

    init(id: Int, url: String, parts: URLParts, addresses: [String], headers: [HTTPHeader], subprotocol: String?,
         tls: TLSOptions, connectTimeout: Duration, deadline: MonotonicInstant, outbox: Outbox,
         continuation: EventQueue<WebSocketEvent>, maxMessageSize: Int = WebSocketOptions.defaultMaxMessageSize) {
        self.id = id
        self.maxMessageSize = maxMessageSize
        self.url = url
        self.parts = parts
        self.addresses = addresses
        self.headers = headers
        self.tls = tls
        self.connectTimeout = connectTimeout
        self.deadline = deadline
        self.useTLS = parts.scheme == "wss"
        self.outcome = OneShot()
        self.outbox = outbox
        self.continuation = continuation
        cPath = strdup(parts.pathAndQuery)
        cHost = strdup(parts.hostHeader)
        cSubprotocol = subprotocol.map { strdup($0) }
        cAddresses = addresses.map { strdup($0) }
    }

    deinit {
        releaseConnectState()
    }

    /// Frees what only connection attempts need (the C strings and the extra headers). Service thread only, once
    /// the connection is open or has ended: an idle connection keeps no more than it uses.
    func releaseConnectState() {
        free(cPath)
        free(cHost)
        free(cSubprotocol)
        for a in cAddresses { free(a) }
        cPath = nil
        cHost = nil
        cSubprotocol = nil
        cAddresses = []
        headers = []
    }

    /// Whether another address is left to try after the current one.
    var hasNextAddress: Bool { addressIndex + 1 < addresses.count }
}
