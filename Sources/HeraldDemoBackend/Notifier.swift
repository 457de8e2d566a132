import NIOCore
import Synchronization

/// Per-user notification lists and the fan-out to each user's open WebSocket connections.
///
/// Producing a notification, persisting it and queueing it on the recipient's subscribed connections
/// happen under one lock, so every connection sees a user's notifications in the order they were produced,
/// the same order as `GET /notifications`. Each connection drains its queue with a single writer.
final class Notifier: Sendable {
    /// A text frame to send, or the end of the connection's queue.
    typealias Outbox = AsyncStream<String>.Continuation

    private struct Connection {
        let userID: String
        let channel: any Channel
        let outbox: Outbox
        var subscribed = false
    }

    private struct State {
        var lastNotification = 0
        var lists: [String: [UserNotification]] = [:]
        var connections: [Int: Connection] = [:]
        var lastConnection = 0
    }

    private let state = Mutex(State())

    // MARK: Producing

    /// Produces the notifications in order: each gets a fresh id, is appended to the list of everyone in its
    /// `deliverTo`, and is queued on their subscribed connections. Returns the notifications produced.
    @discardableResult
    func publish(_ drafts: [NotificationDraft]) -> [UserNotification] {
        state.withLock { state in
            drafts.map { draft in
                state.lastNotification += 1
                let notification = UserNotification(id: "n-\(state.lastNotification)", type: draft.type,
                                                     relatedId: draft.relatedId, userId: draft.recipient,
                                                     extras: draft.extras)
                let frame = JSON.text(notification.pushed)
                for userID in draft.deliverTo {
                    state.lists[userID, default: []].append(notification)
                    for connection in state.connections.values where connection.userID == userID && connection.subscribed {
                        connection.outbox.yield(frame)
                    }
                }
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

    /// Registers an open (not yet subscribed) connection; returns its id for the other calls.
    func connect(userID: String, channel: any Channel, outbox: Outbox) -> Int {
        state.withLock { state in
            state.lastConnection += 1
            state.connections[state.lastConnection] = Connection(userID: userID, channel: channel, outbox: outbox)
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

    /// Abruptly closes every open WebSocket connection (no close frame); returns how many there were.
    func dropAll() -> Int {
        let dropped = state.withLock { state in
            let all = Array(state.connections.values)
            state.connections.removeAll()
            return all
        }
        for connection in dropped { close(connection) }
        return dropped.count
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
        connection.outbox.finish()
        connection.channel.close(promise: nil)
    }
}
