import HeraldCore

/// One server-sent event, as dispatched by the EventSource rules.
public struct SSEEvent: Sendable, Equatable {
    /// The event type: the last `event:` field of the event, or `message` when there was none.
    public var event: String
    /// The last event ID at the time of the event: the last `id:` field seen on the stream so far (it persists
    /// across events), or nil when none was seen or the last one was empty.
    public var id: String?
    /// The `data:` lines of the event, joined with `\n`.
    public var data: String
    /// The reconnection time the event's own `retry:` field set, if it had one.
    public var retry: Duration?
    /// When the bytes that completed the event arrived, stamped on the thread that read them.
    public var receivedAt: MonotonicInstant

    /// Creates an event.
    public init(event: String = "message", id: String? = nil, data: String, retry: Duration? = nil,
                receivedAt: MonotonicInstant) {
        self.event = event
        self.id = id
        self.data = data
        self.retry = retry
        self.receivedAt = receivedAt
    }
}

/// Something that happened on a server-sent event stream, in arrival order.
public enum SSEStreamEvent: Sendable {
    /// An event.
    case event(SSEEvent)
    /// The connection ended (the server closed it, or it broke). With `reconnect` the stream waits the server's
    /// `retry` time and connects again, sending `Last-Event-ID`; without it this is the last event.
    case disconnected(reason: String, at: MonotonicInstant)
    /// A new connection was answered with 200 and `text/event-stream`; events flow again.
    case reconnected(at: MonotonicInstant)
}
