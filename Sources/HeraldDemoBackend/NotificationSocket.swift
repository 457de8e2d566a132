import Foundation
import HummingbirdWebSocket
import Logging
import NIOCore

/// One authenticated `/ws/notifications` connection: answers the client's frames and pushes the user's
/// notifications once it has subscribed.
///
/// Everything the server sends on the connection (acknowledgements, pongs, errors, notifications) goes
/// through one ordered queue drained by a single writer task, so frames leave in the order they were queued.
struct NotificationSocket: Sendable {
    let user: User
    let channel: any Channel
    let notifier: Notifier

    /// Serves the connection until the client closes it or the server drops it.
    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger) async {
        let (queue, outbox) = AsyncStream.makeStream(of: String.self)
        let connectionID = notifier.connect(userID: user.id, channel: channel, outbox: outbox)
        defer { notifier.disconnect(connectionID) }

        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    for await frame in queue { try await outbound.write(.text(frame)) }
                } catch {
                    logger.debug("notification socket of \(user.id): write failed: \(error)")
                }
            }
            do {
                for try await message in inbound.messages(maxSize: 1 << 16) {
                    switch ClientFrame(message) {
                    case .subscribe:
                        notifier.subscribe(connectionID, acknowledgement: JSON.text(["type": "subscribed", "userId": user.id]))
                    case .ping:
                        outbox.yield(JSON.text(["type": "pong"]))
                    case .invalid(let reason):
                        outbox.yield(JSON.text(["type": "error", "message": reason]))
                    }
                }
            } catch {
                logger.debug("notification socket of \(user.id): read failed: \(error)")
            }
            // The client has gone (or was dropped): nothing more can be delivered.
            outbox.finish()
            group.cancelAll()
        }
    }
}

/// What a client may send on the notification socket.
enum ClientFrame: Equatable {
    case subscribe
    case ping
    case invalid(String)

    private struct Action: Decodable {
        let action: String
    }

    init(_ message: WebSocketMessage) {
        guard case .text(let text) = message else {
            self = .invalid("binary frames are not supported; send {\"action\":\"subscribe\"} or {\"action\":\"ping\"}")
            return
        }
        guard let action = try? JSONDecoder().decode(Action.self, from: Data(text.utf8)) else {
            self = .invalid("expected a JSON object with an \"action\" field")
            return
        }
        switch action.action {
        case "subscribe": self = .subscribe
        case "ping": self = .ping
        default: self = .invalid("unknown action '\(action.action)'; expected subscribe or ping")
        }
    }
}
