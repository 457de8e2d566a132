import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// `GET /sse/notifications`: a user's notifications as Server-Sent Events, the same notifier path (and so the
/// same defects) as `/ws/notifications`.
///
/// Authenticated exactly like the WebSocket: `Authorization: Bearer <token>`, or the `token` query parameter
/// (`EventSource` cannot set headers). The response (`text/event-stream`, `Cache-Control: no-cache`, chunked)
/// starts with `retry: 1000`; then each notification is an event
///
///     id: n-7
///     event: offer.accepted
///     data: {"id":"n-7","orderId":"ord-9",…,"type":"offer.accepted","userId":"u-3"}
///
/// followed by a blank line, `data` being the WebSocket frame's JSON. A `: ping` comment is written every
/// ``DemoBackendConfiguration/sseHeartbeat``. A `Last-Event-ID` request header replays the user's notifications
/// after that id before the live ones. The connection is registered before the first byte is written, so a client
/// that has read `retry: 1000` misses nothing produced afterwards.
struct EventStreamRoutes: Sendable {
    /// The path clients connect to.
    static let path = "/sse/notifications"
    /// The first thing every stream says: reconnect after one second.
    static let prelude = "retry: 1000\n\n"
    /// The heartbeat comment.
    static let ping = ": ping\n\n"
    /// How many chunks a stream may have queued before the oldest are kept and newer ones dropped: a bound for a
    /// stream whose response could not be written at all.
    static let queueLimit = 10_000

    let store: Store
    let notifier: Notifier
    let heartbeat: Duration

    func register(on router: Router<BasicRequestContext>) {
        router.get(RouterPath(Self.path)) { request, _ in
            guard let token = BearerToken.from(request.headers, uri: request.uri), let user = store.user(forToken: token) else {
                throw APIError.unauthorized
            }
            return open(for: user, lastEventID: EventStream.lastEventID(request.headers))
        }
    }

    private func open(for user: User, lastEventID: String?) -> Response {
        let (queue, outbox) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingOldest(Self.queueLimit))
        let aborted = AbortFlag()
        let connectionID = notifier.connectStream(userID: user.id, lastEventID: lastEventID, prelude: Self.prelude,
                                                  outbox: outbox, abort: { aborted.set() })
        let notifier = self.notifier
        let interval = heartbeat
        let body = ResponseBody { writer in
            // The heartbeat goes through the queue, so one writer writes everything, in order.
            let beats = Task {
                while true {
                    do { try await Task.sleep(for: interval) } catch { return }
                    if case .terminated = outbox.yield(Self.ping) { return }
                }
            }
            defer {
                beats.cancel()
                notifier.disconnect(connectionID)
            }
            for await chunk in queue {
                try await writer.write(ByteBuffer(string: chunk))
            }
            // Dropped (POST /test/ws/drop): end the connection without the last chunk, as a crash would.
            if aborted.isSet { throw EventStreamDropped() }
            try await writer.finish(nil)
        }
        return Response(status: .ok,
                        headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
                        body: body)
    }
}

/// The formats of the event stream.
enum EventStream {
    /// The `Last-Event-ID` request header.
    static let lastEventIDHeader = HTTPField.Name("Last-Event-ID")

    /// The trimmed, non-empty `Last-Event-ID` of a request.
    static func lastEventID(_ headers: HTTPFields) -> String? {
        guard let name = lastEventIDHeader, let value = headers[name]?.strippingWhitespace(), !value.isEmpty else {
            return nil
        }
        return value
    }

    /// One event: `id`, `event` and `data` lines and a blank line. `data` is one line of compact JSON.
    static func event(_ notification: UserNotification, data: String) -> String {
        "id: \(notification.id)\nevent: \(notification.type)\ndata: \(data)\n\n"
    }

    /// The notifications of `list` (a user's list, oldest first) that come after `lastEventID`: those whose
    /// number is higher (ids are `n-<number>`, increasing as they are produced), in list order. An id that is not
    /// of that form replays nothing.
    static func replay(_ list: [UserNotification], after lastEventID: String) -> [UserNotification] {
        guard let last = number(lastEventID) else { return [] }
        return list.filter { (number($0.id) ?? 0) > last }
    }

    private static func number(_ id: String) -> Int? {
        guard id.hasPrefix("n-") else { return nil }
        return Int(id.dropFirst(2))
    }
}

/// Set when a stream is dropped rather than ended.
private final class AbortFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// Thrown by a dropped stream's writer, so that the server closes the connection mid-body.
private struct EventStreamDropped: Error, CustomStringConvertible {
    var description: String { "the event stream was dropped" }
}
