import Foundation
import Hummingbird
import Synchronization

/// A user's notification list, and the plain-HTTP side of the WebSocket path.
///
/// Marking everything read is rate-limited, as write endpoints of real backends are: once a second per user; a
/// second call within the second is answered 429 with `Retry-After: 1`.
struct NotificationRoutes: Sendable {
    let store: Store
    let notifier: Notifier
    /// When each user last marked everything read.
    let lastMarked = RateLimit(every: .seconds(1))

    private struct NotificationList: Encodable {
        let items: [UserNotification]
        let unread: Int
    }

    private struct UnreadCount: Encodable {
        let unread: Int
    }

    func register(on router: Router<BasicRequestContext>) {
        router.get("/notifications") { request, _ in
            let user = try store.authenticate(request)
            let items = notifier.notifications(of: user.id)
            return JSON.response(NotificationList(items: items, unread: items.count { !$0.read }))
        }

        router.post("/notifications/read") { request, _ in
            let user = try store.authenticate(request)
            guard lastMarked.admit(user.id) else {
                var response = JSON.error("too many requests: mark notifications read at most once a second", status: .tooManyRequests)
                response.headers[.retryAfter] = "1"
                return response
            }
            notifier.markAllRead(of: user.id)
            return JSON.response(UnreadCount(unread: 0))
        }

        // Upgrade requests never get here; a plain GET is told to upgrade (after the usual token check).
        router.get(RouterPath(WebSocketUpgrade.path)) { request, _ in
            guard let token = BearerToken.from(request.headers, uri: request.uri), store.user(forToken: token) != nil else {
                throw APIError.unauthorized
            }
            var response = JSON.error("this endpoint needs a WebSocket upgrade", status: .upgradeRequired)
            response.headers[.upgrade] = "websocket"
            return response
        }
    }
}

/// At most one call per key in each period.
final class RateLimit: Sendable {
    private let every: Duration
    private let last = Mutex<[String: ContinuousClock.Instant]>([:])

    init(every: Duration) { self.every = every }

    /// Whether a call for `key` may go ahead now; if so, it counts.
    func admit(_ key: String) -> Bool {
        let now = ContinuousClock.now
        return last.withLock { last in
            if let previous = last[key], previous.duration(to: now) < every { return false }
            last[key] = now
            return true
        }
    }
}
