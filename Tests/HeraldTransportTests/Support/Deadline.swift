import HeraldTransport

/// A wait in a test took longer than allowed.
struct TimedOut: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with `TimedOut` when it takes longer than `limit` (the body is then cancelled).
func within<T: Sendable>(_ limit: Duration, _ what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: limit)
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
        return value
    }
}

/// Every event of `connection` until its stream finishes (which happens right after `.closed`).
func allEvents(of connection: WebSocketConnection, within limit: Duration = .seconds(5)) async throws -> [WebSocketEvent] {
    try await within(limit, "the events of \(connection.url) to end") {
        var events: [WebSocketEvent] = []
        for await event in connection.events { events.append(event) }
        return events
    }
}

/// Elapsed wall time of `body`, with its result.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let start = ContinuousClock.now
    let value = try await body()
    return (value, ContinuousClock.now - start)
}

extension WebSocketEvent {
    /// The message, if this is one.
    var message: WebSocketMessage? {
        if case .message(let m) = self { return m }
        return nil
    }

    /// The close details, if this is `.closed`.
    var closeInfo: (code: Int?, reason: String, initiatedLocally: Bool)? {
        if case .closed(let code, let reason, _, let local) = self { return (code, reason, local) }
        return nil
    }

    /// Whether this is a pong.
    var isPong: Bool {
        if case .pong = self { return true }
        return false
    }
}
