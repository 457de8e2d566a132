import HummingbirdWebSocket
import Logging
import NIOCore

/// One authenticated `/ws/market` connection: a feed that speaks first. As soon as the connection is open it
/// pushes, without being asked:
/// - a text frame `{"type":"welcome","userId":…}`;
/// - a snapshot as a binary frame, framed the way NATS frames a message over WebSocket
///   (`MSG market.snapshot 1 <length>\r\n{"userId":…,"openRequests":N}\r\n`): binary, but UTF-8 text;
/// - a binary heartbeat that is not text at all (the bytes `00 FF 01`).
///
/// Then it stays quiet until the client closes. With the `no-welcome` defect the welcome is not sent.
struct MarketFeedSocket: Sendable {
    /// The path clients connect to.
    static let path = "/ws/market"
    /// The heartbeat's bytes.
    static let heartbeat: [UInt8] = [0x00, 0xFF, 0x01]

    let user: User
    let store: Store
    let defects: Set<DemoDefect>

    /// Serves the connection until the client closes it.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        do {
            if !defects.contains(.noWelcome) {
                try await outbound.write(.text(JSON.text(["type": "welcome", "userId": user.id])))
            }
            let snapshot = JSON.text(Snapshot(userId: user.id, openRequests: store.openRequestCount(of: user.id)))
            let framed = "MSG market.snapshot 1 \(snapshot.utf8.count)\r\n\(snapshot)\r\n"
            try await outbound.write(.binary(ByteBuffer(string: framed)))
            try await outbound.write(.binary(ByteBuffer(bytes: Self.heartbeat)))
            for try await _ in inbound.messages(maxSize: 1 << 16) {}
        } catch {
            logger.debug("market feed of \(user.id): \(error)")
        }
    }
}

/// What the market feed's snapshot says (keys sorted on the wire: `openRequests`, `userId`).
private struct Snapshot: Encodable {
    let userId: String
    let openRequests: Int
}
