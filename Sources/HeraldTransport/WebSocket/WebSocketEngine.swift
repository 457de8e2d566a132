import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A WebSocket client: one libwebsockets context and one service thread shared by all its connections.
///
/// Every received frame is stamped on that thread as its bytes are read. Get one with `withWebSocketEngine`,
/// which shuts it down (closing whatever is still open) when the body ends.
public final class WebSocketEngine: Sendable {
    private let core: LwsEngineCore

    init() throws(TransportError) {
        core = LwsEngineCore()
        try core.start()
    }

    /// Opens a connection: DNS, TCP, TLS and the HTTP upgrade, all within `options.connectTimeout`.
    ///
    /// An engine runs at most 128 attempts at once; further connects wait their turn in order, and the wait counts
    /// against their timeout.
    ///
    /// - Throws: `TransportError` — `invalidURL`, `dnsFailure`, `connectionRefused`, `tlsFailure`,
    ///   `upgradeRefused(status:)`, `timeout`, `protocolFailure`, or `closed` once the engine shut down;
    ///   `CancellationError` when the calling task is cancelled.
    public func connect(_ options: WebSocketOptions) async throws -> WebSocketConnection {
        let started = MonotonicInstant.now()
        let url = options.url
        guard let parts = URLParts(url), parts.scheme == "ws" || parts.scheme == "wss" else {
            throw TransportError.invalidURL(url, detail: "expected ws://host[:port]/path or wss://…")
        }
        for header in options.headers where Self.hasLineBreak(header.name) || Self.hasLineBreak(header.value) {
            throw TransportError.invalidURL(url, detail: "header '\(header.name)' contains a line break")
        }
        if parts.scheme == "wss", let ca = options.tls.caFile, access(ca, R_OK) != 0 {
            throw TransportError.tlsFailure(url: url, detail: "cannot read CA file \(ca)")
        }
        let timeout = options.connectTimeout

        let addresses: [String]
        switch await AddressResolver.resolve(parts.host, port: parts.port, timeout: timeout) {
        case .addresses(let list): addresses = list
        case .failure(let why): throw TransportError.dnsFailure(url: url, detail: "\(parts.host): \(why)")
        case .timedOut: throw TransportError.timeout(url: url, after: timeout, detail: "resolving \(parts.host)")
        case .cancelled: throw CancellationError()
        }

        let (events, continuation) = EventQueue<WebSocketEvent>.makeStream()
        let outbox = Outbox()
        let id = core.makeID()
        // The service thread enforces the deadline (one lws timer for all pending connects): it settles the outcome
        // with `.timeout` and kills the attempt.
        let session = WebSocketSession(id: id, url: url, parts: parts, addresses: addresses, headers: options.headers,
                                       subprotocol: options.subprotocol, tls: options.tls, connectTimeout: timeout,
                                       deadline: started.advanced(by: timeout), outbox: outbox, continuation: continuation,
                                       maxMessageSize: options.maxMessageSize)
        guard core.post(.connect(session)) else {
            continuation.finish()
            throw TransportError.closed(url: url, detail: "the WebSocket engine is shut down")
        }
        let outcome = await withTaskCancellationHandler {
            await session.outcome.wait()
        } onCancel: {
            session.outcome.complete(.failure(.closed(url: url, detail: "cancelled")))
        }
        switch outcome {
        case .success(let handshake):
            return WebSocketConnection(id: id, url: url, handshake: handshake, events: events, outbox: outbox, core: core)
        case .failure(let error):
            if Task.isCancelled {
                // Kill the half-open attempt; the service thread ignores this if it already ended.
                core.post(.abort(id: id))
                throw CancellationError()
            }
            throw error
        }
    }

    /// Stops the service thread after closing the context. Idempotent.
    func shutdown() async {
        await core.shutdown()
    }

    private static func hasLineBreak(_ s: String) -> Bool {
        s.utf8.contains(where: { $0 == 10 || $0 == 13 })
    }
}

/// Runs `body` with a fresh `WebSocketEngine`, then shuts the engine down — its context destroyed and its
/// thread joined — whether `body` returns or throws. Connections still open at that point end with
/// `.closed(initiatedLocally: true)`; close them first for a clean close handshake.
public func withWebSocketEngine<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (WebSocketEngine) async throws -> T
) async throws -> T {
    try await withClosing(try WebSocketEngine(), close: { await $0.shutdown() }, body)
}

/// A WebSocket engine made on first use and lent to everything that asks until ``shutdown()``: the flows of a load
/// run share one libwebsockets context and one service thread for all their connections, rather than making (and
/// tearing down) one each. Each user closes its own connections; the shutdown closes whatever is left.
public final class SharedWebSocketEngine: Sendable {
    private let state = Mutex<(engine: WebSocketEngine?, closed: Bool)>((nil, false))

    /// An engine to be made on first use.
    public init() {}

    /// The engine, made now if this is the first call.
    ///
    /// - Throws: `TransportError.systemFailure` when libwebsockets cannot make a context, `.closed` after ``shutdown()``.
    public func engine() throws(TransportError) -> WebSocketEngine {
        try state.withLock { s throws(TransportError) -> WebSocketEngine in
            if s.closed { throw .closed(url: "websocket engine", detail: "the shared WebSocket engine shut down") }
            if let e = s.engine { return e }
            let e = try WebSocketEngine()
            s.engine = e
            return e
        }
    }

    /// Shuts the engine down, if one was made. Idempotent.
    public func shutdown() async {
        let engine = state.withLock { s in
            s.closed = true
            defer { s.engine = nil }
            return s.engine
        }
        await engine?.shutdown()
    }
}
