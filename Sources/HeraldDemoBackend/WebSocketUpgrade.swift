import HTTPTypes
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1

/// Decides on WebSocket upgrade requests: only `/ws/notifications` and `/ws/market` with a valid token are upgraded.
///
/// HummingbirdWebSocket answers every refused upgrade with an empty 400. To refuse with a proper status
/// (401 for a bad token, 404 for another path) and a JSON body, a refusal installs a
/// ``RefusedUpgradeResponder`` on the connection, which rewrites that one response.
struct WebSocketUpgrade: Sendable {
    /// The path clients connect to.
    static let path = "/ws/notifications"

    let store: Store
    let notifier: Notifier
    let defects: Set<DemoDefect>

    /// The HummingbirdWebSocket `shouldUpgrade` callback; runs on the connection's event loop.
    func shouldUpgrade(
        _ head: HTTPRequest, channel: any Channel, logger: Logger
    ) throws -> ShouldUpgradeResult<WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context>> {
        let uri = URI(head.path ?? "/")
        guard uri.path == Self.path || uri.path == MarketFeedSocket.path else {
            try refuse(channel, status: .notFound, message: "not found")
            return .dontUpgrade
        }
        let token = BearerToken.from(head.headerFields, uri: uri)
        let forged = defects.contains(.openStream) && uri.path == Self.path && token != nil ? store.newestUser() : nil
        guard let user = token.flatMap({ store.user(forToken: $0) }) ?? forged else {
            logger.debug("refused WebSocket upgrade without a valid token")
            try refuse(channel, status: .unauthorized, message: "unauthorized")
            return .dontUpgrade
        }
        if uri.path == MarketFeedSocket.path {
            let feed = MarketFeedSocket(user: user, store: store, defects: defects)
            return .upgrade([:]) { inbound, outbound, context in
                await feed.run(inbound: inbound, outbound: outbound, logger: context.logger)
            }
        }
        let socket = NotificationSocket(user: user, channel: channel, notifier: notifier)
        return .upgrade([:]) { inbound, outbound, context in
            await socket.run(inbound: inbound, outbound: outbound, logger: context.logger)
        }
    }

    private func refuse(_ channel: any Channel, status: HTTPResponseStatus, message: String) throws {
        let body = JSON.text(["error": message])
        try channel.pipeline.syncOperations.addHandler(RefusedUpgradeResponder(status: status, body: body))
    }
}

/// Replaces the first HTTP response written on a connection whose WebSocket upgrade was refused with the
/// given status and JSON body (and `Connection: close`), and passes everything after it through unchanged.
///
/// It is added behind the upgrade handler while the upgrade is being decided, so it sits below the
/// HTTP/1 codec that HummingbirdWebSocket adds for the refusal response and sees NIO's HTTP/1 parts.
final class RefusedUpgradeResponder: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum Phase {
        case waiting
        case replacing
        case done
    }

    private let status: HTTPResponseStatus
    private let body: String
    private var phase = Phase.waiting

    init(status: HTTPResponseStatus, body: String) {
        self.status = status
        self.body = body
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        switch (phase, part) {
        case (.waiting, .head(let original)):
            phase = .replacing
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
            headers.add(name: "Content-Length", value: String(body.utf8.count))
            headers.add(name: "Connection", value: "close")
            let head = HTTPResponseHead(version: original.version, status: status, headers: headers)
            context.write(wrapOutboundOut(.head(head)), promise: nil)
            let buffer = context.channel.allocator.buffer(string: body)
            context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: promise)
        case (.replacing, .body):
            promise?.succeed(())
        case (.replacing, .end):
            phase = .done
            context.write(wrapOutboundOut(.end(nil)), promise: promise)
        default:
            context.write(data, promise: promise)
        }
    }
}

@available(*, unavailable)
extension RefusedUpgradeResponder: Sendable {}
