import Synchronization

/// Frames waiting to be written on one connection. Any thread adds; the service thread takes, one frame per
/// `LWS_CALLBACK_CLIENT_WRITEABLE`. A close request is written after everything queued before it.
final class Outbox: Sendable {
    /// One frame to write.
    enum Frame: Sendable {
        case text([UInt8])
        case binary([UInt8])
        case ping
    }

    /// What the service thread should write next.
    enum Next {
        case frame(Frame)
        case close(code: Int, reason: String)
        case nothing
    }

    private struct State {
        var frames: [Frame] = []
        var head = 0
        var closeRequest: (code: Int, reason: String)?
        var closeTaken = false
        var wakeScheduled = false
        var ended = false

        var pending: Int { frames.count - head }
    }

    private let state = Mutex(State())

    /// Queues `frame`. Returns true when the caller must wake the service thread (no wake-up is pending yet).
    /// Frames sent after `close` or after the connection ended are dropped.
    func enqueue(_ frame: Frame) -> Bool {
        state.withLock { s in
            guard !s.ended, s.closeRequest == nil else { return false }
            s.frames.append(frame)
            return Self.scheduleWake(&s)
        }
    }

    /// Asks for a close frame after the queued frames. Returns true when the caller must wake the service
    /// thread. Only the first request counts.
    func requestClose(code: Int, reason: String) -> Bool {
        state.withLock { s in
            guard !s.ended, s.closeRequest == nil else { return false }
            s.closeRequest = (code, reason)
            return Self.scheduleWake(&s)
        }
    }

    private static func scheduleWake(_ s: inout State) -> Bool {
        if s.wakeScheduled { return false }
        s.wakeScheduled = true
        return true
    }

    /// Service thread: the wake-up was delivered; the next `enqueue` must send another.
    func wakeDelivered() {
        state.withLock { $0.wakeScheduled = false }
    }

    /// Service thread: takes the next thing to write.
    func next() -> Next {
        state.withLock { s in
            if s.head < s.frames.count {
                let frame = s.frames[s.head]
                s.head += 1
                if s.head == s.frames.count {
                    s.frames.removeAll(keepingCapacity: s.frames.count <= 64)
                    s.head = 0
                } else if s.head >= 64, s.head * 2 >= s.frames.count {
                    s.frames.removeFirst(s.head)
                    s.head = 0
                }
                return .frame(frame)
            }
            if let close = s.closeRequest, !s.closeTaken {
                s.closeTaken = true
                return .close(code: close.code, reason: close.reason)
            }
            return .nothing
        }
    }

    /// Service thread: whether another `next()` would return something.
    var hasMore: Bool {
        state.withLock { s in s.pending > 0 || (s.closeRequest != nil && !s.closeTaken) }
    }

    /// Whether `close` was called.
    var closeRequested: Bool {
        state.withLock { $0.closeRequest != nil }
    }

    /// The connection ended: drop what is queued and refuse more.
    func markEnded() {
        state.withLock { s in
            s.ended = true
            s.frames = []
            s.head = 0
        }
    }
}
