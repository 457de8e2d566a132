import HeraldCore
import HeraldTransport

/// A WebSocket channel connection.
struct WebSocketLink: ChannelLink {
    let connection: WebSocketConnection
    let address: String

    static func open(_ context: ChannelContext, engine: WebSocketEngine, subprotocol: String?) async throws -> WebSocketLink {
        let url = URLs.webSocket(URLs.join(context.baseURL, context.target))
        let options = WebSocketOptions(url: url, headers: context.headers, subprotocol: subprotocol, tls: context.tls,
                                       connectTimeout: context.timeout)
        return WebSocketLink(connection: try await engine.connect(options), address: URLs.masked(url))
    }

    var inbound: AsyncCompactMapSequence<AsyncStream<WebSocketEvent>, InboundEvent> {
        // Pongs answer Herald's own pings: nothing to record.
        connection.events.compactMap { @Sendable event in
            switch event {
            case .message(let m):
                return .message(InboundMessage(bytes: m.bytes, isText: m.isText, text: m.isText ? m.text : nil, receivedAt: m.receivedAt))
            case .pong:
                return nil
            case .closed(let code, let reason, let at, let local):
                return .closed(code: code, reason: reason, at: at, local: local)
            }
        }
    }

    func send(text: String) throws { connection.send(text: text) }

    func close() async { connection.close(code: 1000, reason: "run finished") }
}
