import Hummingbird

/// A user's notification list, and the plain-HTTP side of the WebSocket path.
struct NotificationRoutes: Sendable {
    let store: Store
    let notifier: Notifier

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
