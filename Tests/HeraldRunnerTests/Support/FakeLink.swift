import HeraldCore
@testable import HeraldRunner
import Synchronization

/// A channel connection without a socket: what arrives on it is pushed by the test (or by its ``FakeServer``'s
/// script), and what the runner sends on it is recorded.
final class FakeLink: ChannelLink {
    /// The channel it is a connection of.
    let channel: String
    /// The actor instance it belongs to (`seller[1]`), or `nil` for a shared connection.
    let actor: String?
    /// Where it claims to be connected, for the timeline.
    let address: String
    /// What arrives, in order; finished by ``close()``.
    let inbound: AsyncStream<InboundEvent>
    private let continuation: AsyncStream<InboundEvent>.Continuation
    private let sentTexts = Mutex<[String]>([])
    private let closed = Atomic<Bool>(false)
    private let onSend: @Sendable (String, FakeLink) -> Void

    /// Creates an open link; `onSend` sees every text the runner sends on it, after it is recorded.
    init(channel: String, actor: String?, address: String, onSend: @escaping @Sendable (String, FakeLink) -> Void) {
        self.channel = channel
        self.actor = actor
        self.address = address
        self.onSend = onSend
        (inbound, continuation) = AsyncStream.makeStream(of: InboundEvent.self)
    }

    /// Whether the runner closed it.
    var isClosed: Bool { closed.load(ordering: .relaxed) }

    /// Every text the runner sent on it, in order.
    var sent: [String] { sentTexts.withLock { $0 } }

    func send(text: String) throws {
        sentTexts.withLock { $0.append(text) }
        onSend(text, self)
    }

    /// Delivers a text message (a WebSocket text frame), stamped now.
    func push(_ text: String) {
        continuation.yield(.message(InboundMessage(bytes: Array(text.utf8), isText: true, text: text, receivedAt: .now())))
    }

    /// Delivers a binary message (a WebSocket binary frame), stamped now.
    func push(binary bytes: [UInt8]) {
        continuation.yield(.message(InboundMessage(bytes: bytes, isText: false, text: nil, receivedAt: .now())))
    }

    /// The connection drops, as a broker connection that will reconnect reports it.
    func drop(_ detail: String) {
        continuation.yield(.dropped(detail: detail, at: .now()))
    }

    func close() async {
        closed.store(true, ordering: .relaxed)
        continuation.yield(.closed(code: 1000, reason: "run finished", at: .now(), local: true))
        continuation.finish()
    }
}
