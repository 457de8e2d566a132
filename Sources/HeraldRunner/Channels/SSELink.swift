import HeraldCore
import HeraldTransport

/// A server-sent events stream. Each event becomes a message whose subject is its event name and whose payload is
/// its data; a dropped stream reconnects with `Last-Event-ID`.
struct SSELink: ChannelLink {
    let stream: SSEStream
    let address: String

    /// Opens the stream: when this returns, the server answered 200 with `text/event-stream`.
    static func open(_ context: ChannelContext) async throws -> SSELink {
        let url = URLs.join(context.baseURL, context.target)
        let stream = try await SSEStream.open(SSEOptions(url: url, headers: context.headers, tls: context.tls,
                                                         connectTimeout: context.timeout))
        return SSELink(stream: stream, address: URLs.masked(url))
    }

    var inbound: AsyncMapSequence<EventQueue<SSEStreamEvent>.Stream, InboundEvent> {
        stream.events.map { @Sendable event in
            switch event {
            case .event(let e):
                return .message(InboundMessage(bytes: Array(e.data.utf8), text: e.data, subject: e.event, id: e.id, receivedAt: e.receivedAt))
            case .disconnected(let reason, let at):
                return .dropped(detail: "SSE stream lost: \(reason)", at: at)
            case .reconnected(let at):
                return .restored(at: at)
            }
        }
    }

    func close() async { await stream.close() }
}
