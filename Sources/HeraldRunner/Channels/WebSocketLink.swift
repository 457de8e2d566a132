import HeraldCore
import HeraldTransport

/// A WebSocket channel connection.
struct WebSocketLink: ChannelLink {
    let connection: WebSocketConnection
    let address: String

    static func open(_ context: ChannelContext, engine: WebSocketEngine, subprotocol: String?,
                     maxMessageSize: Int?) async throws -> WebSocketLink {
        let url = URLs.webSocket(URLs.join(context.baseURL, context.target))
        let options = WebSocketOptions(url: url, headers: context.headers, subprotocol: subprotocol, tls: context.tls,
                                       connectTimeout: context.timeout,
                                       maxMessageSize: maxMessageSize ?? WebSocketOptions.defaultMaxMessageSize)
        return WebSocketLink(connection: try await engine.connect(options), address: URLs.masked(url))
    }

    var inbound: WebSocketInbound { WebSocketInbound(events: connection.events) }

    func send(text: String) throws { connection.send(text: text) }

    func close() async { connection.close(code: 1000, reason: "run finished") }

    /// The libwebsockets service thread is the queue's one producer: a frame after 50 µs of quiet (the one an HTTP
    /// request caused, say) is recorded on it, a thread switch sooner; a burst goes to the reader's task.
    func handleSparse(with handler: @escaping @Sendable (InboundEvent) -> Void) {
        connection.events.handleSparse(after: .microseconds(50)) { event in
            if let mapped = WebSocketInbound.map(event) { handler(mapped) }
        }
    }
}

/// A WebSocket connection's events as the runner records them; pongs answer Herald's own pings and are left out.
///
/// The same as `events.compactMap { … }`, but the mapping is synchronous and the iterator holds nothing besides the
/// stream's: a reader suspended in `next` keeps one small async frame on its task instead of the generic adapter's
/// frames for itself and for its `async` transform, and thousands of idle connections each keep one.
struct WebSocketInbound: AsyncSequence, Sendable {
    /// Every event but pongs.
    typealias Element = InboundEvent
    /// The stream ends; it never throws.
    typealias Failure = Never

    /// The transport's stream.
    let events: EventQueue<WebSocketEvent>.Stream

    /// Reads the transport's stream and maps as it goes.
    struct AsyncIterator: AsyncIteratorProtocol {
        var base: EventQueue<WebSocketEvent>.Stream.AsyncIterator

        mutating func next() async -> InboundEvent? {
            while let event = await base.next() {
                if let mapped = WebSocketInbound.map(event) { return mapped }
            }
            return nil
        }

        mutating func next(isolation actor: isolated (any Actor)?) async -> InboundEvent? {
            while let event = await base.next(isolation: actor) {
                if let mapped = WebSocketInbound.map(event) { return mapped }
            }
            return nil
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: events.makeAsyncIterator()) }

    /// The runner's view of one event; nil for a pong.
    static func map(_ event: WebSocketEvent) -> InboundEvent? {
        switch event {
        case .message(let m):
            return .message(InboundMessage(bytes: m.bytes, isText: m.isText, text: m.isText ? m.text : nil, receivedAt: m.receivedAt))
        case .pong:
            return nil
        case .closed(let code, let reason, let at, let local):
            // Herald closes its own connections with 1000; another code of its own means it failed the connection
            // because the server broke the protocol (1002, 1007, 1009): not a close the run asked for.
            return .closed(code: code, reason: reason, at: at, local: local && (code == 1000 || code == nil))
        }
    }
}
