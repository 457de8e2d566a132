import NIOCore
import Synchronization

/// Per-user notification lists and the fan-out to each user's open WebSocket and SSE connections, and to the
/// MQTT mirror.
///
/// Producing a notification, persisting it and queueing it on the recipient's subscribed connections (and on the
/// mirror) happen under one lock, so every connection sees a user's notifications in the order they were
/// produced, the same order as `GET /notifications`. Each connection drains its queue with a single writer.
final class Notifier: Sendable {
    /// A text frame to send, or the end of the connection's queue.
    typealias Outbox = AsyncStream<String>.Continuation

    /// How a connection wants its notifications written.
    private enum Form {
        /// One WebSocket text frame: the notification's JSON.
        case webSocket
        /// One Server-Sent Event: `id`, `event` and `data` lines and a blank line.
        case eventStream
    }

    private struct Connection {
        let userID: String
        let form: Form
        let outbox: Outbox
        /// Ends the connection abruptly (no close frame, no end of the chunked body).
        let abort: @Sendable () -> Void
        var subscribed = false
    }

    private struct State {
        var lastNotification = 0
        var lists: [String: [UserNotification]] = [:]
        var connections: [Int: Connection] = [:]
        var lastConnection = 0
    }

    private let state = Mutex(State())
    private let mirror: NotificationMirror?

    /// Creates a notifier; with a `mirror`, every delivered notification is also queued there.
    init(mirror: NotificationMirror? = nil) {
        self.mirror = mirror
    }

    // MARK: Producing

    /// Produces the notifications in order: each gets a fresh id, is appended to the list of everyone in its
    /// `deliverTo`, and is queued on their subscribed connections and on the mirror (for the same users, then for
    /// its `mirrorAlsoTo`). Returns the notifications produced.
    @discardableResult
    func publish(_ drafts: [NotificationDraft]) -> [UserNotification] {
        state.withLock { state in
            drafts.map { draft in
                state.lastNotification += 1
                let notification = UserNotification(id: "n-\(state.lastNotification)", type: draft.type,
                                                     relatedId: draft.relatedId, userId: draft.recipient,
                                                     extras: draft.extras)
                let frame = JSON.text(notification.pushed)
                var event: String?
                for userID in draft.deliverTo {
                    state.lists[userID, default: []].append(notification)
                    for connection in state.connections.values where connection.userID == userID && connection.subscribed {
                        switch connection.form {
                        case .webSocket:
                            connection.outbox.yield(frame)
                        case .eventStream:
                            if event == nil { event = EventStream.event(notification, data: frame) }
                            connection.outbox.yield(event ?? "")
                        }
                    }
                    mirror?.enqueue(userID: userID, payload: frame)
                }
                for userID in draft.mirrorAlsoTo { mirror?.enqueue(userID: userID, payload: frame) }
                return notification
            }
        }
    }

    // MARK: Lists

    /// A user's notifications, oldest first.
    func notifications(of userID: String) -> [UserNotification] {
        state.withLock { $0.lists[userID] ?? [] }
    }

    /// Marks all of a user's notifications read.
    func markAllRead(of userID: String) {
        state.withLock { state in
            guard var list = state.lists[userID] else { return }
            for index in list.indices { list[index].read = true }
            state.lists[userID] = list
        }
    }

    // MARK: Connections

    /// Registers an open (not yet subscribed) WebSocket connection; returns its id for the other calls.
    func connect(userID: String, channel: any Channel, outbox: Outbox) -> Int {
        register(Connection(userID: userID, form: .webSocket, outbox: outbox, abort: { channel.close(promise: nil) }))
    }

    /// Registers an SSE connection, subscribed at once. Under the lock, so that nothing is missed or sent twice,
    /// it queues `prelude` (the `retry:` line) and then, for a reconnect, the user's notifications after
    /// `lastEventID` (see ``EventStream/replay(_:after:)``), in list order.
    func connectStream(userID: String, lastEventID: String?, prelude: String, outbox: Outbox,
                       abort: @escaping @Sendable () -> Void) -> Int {
        state.withLock { state in
            outbox.yield(prelude)
            if let lastEventID {
                for notification in EventStream.replay(state.lists[userID] ?? [], after: lastEventID) {
                    outbox.yield(EventStream.event(notification, data: JSON.text(notification.pushed)))
                }
            }
            state.lastConnection += 1
            state.connections[state.lastConnection] = Connection(userID: userID, form: .eventStream, outbox: outbox,
                                                                 abort: abort, subscribed: true)
            return state.lastConnection
        }
    }

    private func register(_ connection: Connection) -> Int {
        state.withLock { state in
            state.lastConnection += 1
            state.connections[state.lastConnection] = connection
            return state.lastConnection
        }
    }

    /// Subscribes a connection: from now on it receives its user's notifications. The acknowledgement is
    /// queued under the same lock, so it precedes every notification the connection gets.
    func subscribe(_ connectionID: Int, acknowledgement: String) {
        state.withLock { state in
            guard state.connections[connectionID] != nil else { return }
            state.connections[connectionID]?.subscribed = true
            state.connections[connectionID]?.outbox.yield(acknowledgement)
        }
    }

    /// Forgets a connection that has ended.
    func disconnect(_ connectionID: Int) {
        state.withLock { state in
            state.connections.removeValue(forKey: connectionID)?.outbox.finish()
        }
    }

    /// Abruptly closes every open WebSocket and SSE connection (no close frame, no end of the SSE body); returns
    /// how many there were.
    func dropAll() -> Int {
        let dropped = state.withLock { state in
            let all = Array(state.connections.values)
            state.connections.removeAll()
            return all
        }
        for connection in dropped { close(connection) }
        return dropped.count
    }

    /// Ends every SSE response cleanly (the last chunk is sent), as a server that shuts down does; WebSockets
    /// stay for their close handshake.
    func endEventStreams() {
        let streams = state.withLock { state in
            let ids = state.connections.filter { $0.value.form == .eventStream }.map(\.key)
            return ids.compactMap { state.connections.removeValue(forKey: $0) }
        }
        for stream in streams { stream.outbox.finish() }
    }

    /// Forgets a deleted user: closes their connections and discards their list.
    func forget(userID: String) {
        let dropped = state.withLock { state in
            state.lists[userID] = nil
            let theirs = state.connections.filter { $0.value.userID == userID }
            for id in theirs.keys { state.connections[id] = nil }
            return Array(theirs.values)
        }
        for connection in dropped { close(connection) }
    }

    private func close(_ connection: Connection) {
        switch connection.form {
        case .webSocket:
            connection.outbox.finish()
            connection.abort()
        case .eventStream:
            // The abort is marked first, so the writer that sees its queue end knows to cut the connection.
            connection.abort()
            connection.outbox.finish()
        }
    }
}
