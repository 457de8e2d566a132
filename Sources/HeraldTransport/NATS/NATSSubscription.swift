import HeraldCore
import CNats

/// One confirmed subscription. Read `events` from one task: every message, connection changes, and finally
/// `.closed`, after which the stream finishes.
public final class NATSSubscription: Sendable {
    /// The subject (possibly with wildcards) subscribed to.
    public let subject: String
    /// The queue group, if the subscription is a member of one.
    public let queueGroup: String?
    /// Everything that happens on the subscription, in order. Single consumer. Keep the subscription
    /// referenced while reading: dropping it unsubscribes.
    public let events: EventQueue<NATSEvent>.Stream

    private let handle: NATSSubscriptionHandle

    init(subject: String, queueGroup: String?, events: EventQueue<NATSEvent>.Stream, handle: NATSSubscriptionHandle) {
        self.subject = subject
        self.queueGroup = queueGroup
        self.events = events
        self.handle = handle
    }

    /// Removes the interest. Messages libnats still holds for the subscription are dropped; the stream ends with
    /// `.closed(.unsubscribed)`. Idempotent.
    public func unsubscribe() {
        handle.box.unsubscribed.store(true, ordering: .releasing)
        _ = natsSubscription_Unsubscribe(handle.raw)
    }

    /// How many messages libnats dropped because its pending limits were reached.
    public var droppedCount: Int {
        var dropped: Int64 = 0
        return natsSubscription_GetDropped(handle.raw, &dropped) == NATS_OK ? Int(dropped) : 0
    }
}

/// Owns one `natsSubscription`, destroyed in `deinit` (which also unsubscribes when still active). Holds the
/// connection's core so the connection is destroyed after its subscriptions.
///
/// `@unchecked Sendable` is sound: the properties are constants and libnats' subscription functions lock the
/// subscription themselves (see `NATSHandle`).
final class NATSSubscriptionHandle: @unchecked Sendable {
    let raw: OpaquePointer
    let core: NATSCore
    let box: NATSSubscriptionBox

    init(raw: OpaquePointer, core: NATSCore, box: NATSSubscriptionBox) {
        self.raw = raw
        self.core = core
        self.box = box
    }

    deinit {
        // Dropping the last reference unsubscribes: say so, so the stream does not end as a lost connection.
        box.unsubscribed.store(true, ordering: .releasing)
        natsSubscription_Destroy(raw)
    }
}
