import CNats
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where libnats' callbacks for one connection land: the connection's status callbacks (disconnected, reconnected,
/// closed, errors) and, through the per-subscription boxes it lists, the subscriptions' streams.
///
/// libnats holds a retained pointer to the sink from `natsConnection_Connect` until its closed callback, which it
/// invokes exactly once for a connection that was established (and never for one that failed to connect).
final class NATSConnectionSink: Sendable {
    private struct State {
        var boxes: [Int: NATSSubscriptionBox] = [:]
        /// Boxes by the address of their `natsSubscription`, for the error handler.
        var bySubscription: [UInt: NATSSubscriptionBox] = [:]
        var lastDisconnect: String?
    }

    private let state = Mutex(State())
    private let nextID = Atomic<Int>(1)
    /// Set when `close()` was called on this side: status callbacks that follow are expected, not news.
    let closeRequested = Atomic<Bool>(false)
    /// Settled by libnats' closed callback.
    let closed = OneShot<Void>()
    /// Secrets to keep out of reasons taken from libnats.
    let secrets: [String]

    init(secrets: [String]) {
        self.secrets = secrets
    }

    func makeID() -> Int { nextID.add(1, ordering: .relaxed).oldValue }

    func register(_ box: NATSSubscriptionBox) {
        state.withLock { $0.boxes[box.id] = box }
    }

    func attach(_ box: NATSSubscriptionBox, subscription: OpaquePointer) {
        state.withLock { $0.bySubscription[UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(subscription)))] = box }
    }

    func forget(_ box: NATSSubscriptionBox) {
        state.withLock { s in
            s.boxes[box.id] = nil
            if let key = s.bySubscription.first(where: { $0.value === box })?.key { s.bySubscription[key] = nil }
        }
    }

    private var liveBoxes: [NATSSubscriptionBox] { state.withLock { Array($0.boxes.values) } }

    /// The reason of the last disconnect, if the connection dropped.
    var lastDisconnect: String? { state.withLock { $0.lastDisconnect } }

    // MARK: libnats callbacks (on libnats' threads)

    func disconnected(reason: String?) {
        let at = MonotonicInstant.now()
        let reason = reason.map { SecretText.scrub($0, secrets) }
        state.withLock { $0.lastDisconnect = reason }
        if closeRequested.load(ordering: .acquiring) { return }
        for box in liveBoxes { box.disconnected(at: at, reason: reason) }
    }

    func reconnected() {
        let at = MonotonicInstant.now()
        for box in liveBoxes { box.reconnected(at: at) }
    }

    func slowConsumer(subscription: OpaquePointer) {
        let at = MonotonicInstant.now()
        let key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(subscription)))
        guard let box = state.withLock({ $0.bySubscription[key] }) else { return }
        var dropped: Int64 = 0
        _ = natsSubscription_GetDropped(subscription, &dropped)
        box.slowConsumer(dropped: Int(dropped), at: at)
    }

    /// libnats' closed callback: the connection is gone for good. Ends the streams of subscriptions whose own
    /// completion has not run yet (it follows, and is then ignored).
    func libraryClosed() {
        finishAll()
        closed.complete(())
    }

    /// Ends every remaining subscription stream with the close reason that fits.
    func finishAll() {
        let at = MonotonicInstant.now()
        for box in liveBoxes { box.finish(reason: closeReason(unsubscribed: false), at: at) }
    }

    func closeReason(unsubscribed: Bool) -> NATSCloseReason {
        if unsubscribed { return .unsubscribed }
        if closeRequested.load(ordering: .acquiring) { return .closedLocally }
        return .connectionLost(reason: lastDisconnect)
    }
}

/// One subscription's end of the callbacks: its stream, and whether it has ended.
///
/// libnats holds a retained pointer to the box from `natsConnection_Subscribe` until the subscription's
/// completion callback, which runs after the last message callback has returned.
final class NATSSubscriptionBox: Sendable {
    private struct State {
        var finished = false
        /// A `.disconnected` was reported and no `.reconnected` since.
        var down = false
    }

    let id: Int
    let continuation: EventQueue<NATSEvent>
    let sink: NATSConnectionSink
    /// Set by `unsubscribe()` before libnats is told.
    let unsubscribed = Atomic<Bool>(false)
    private let state = Mutex(State())

    init(id: Int, continuation: EventQueue<NATSEvent>, sink: NATSConnectionSink) {
        self.id = id
        self.continuation = continuation
        self.sink = sink
    }

    /// A message, on the subscription's delivery thread. No lock: the completion that finishes the stream runs
    /// on the same thread after the last message.
    func deliver(_ message: NATSMessage) {
        continuation.yield(.message(message))
    }

    func disconnected(at: MonotonicInstant, reason: String?) {
        state.withLock { s in
            guard !s.finished, !s.down else { return }
            s.down = true
            continuation.yield(.disconnected(at: at, reason: reason))
        }
    }

    func reconnected(at: MonotonicInstant) {
        state.withLock { s in
            guard !s.finished, s.down else { return }
            s.down = false
            continuation.yield(.reconnected(at: at))
        }
    }

    func slowConsumer(dropped: Int, at: MonotonicInstant) {
        state.withLock { s in
            guard !s.finished else { return }
            continuation.yield(.slowConsumer(dropped: dropped, at: at))
        }
    }

    /// Ends the stream once: a lost connection is reported as `.disconnected` first if it was not yet (libnats'
    /// status callbacks and the subscription's completion race on different threads).
    func finish(reason: NATSCloseReason, at: MonotonicInstant) {
        let done: Bool = state.withLock { s in
            guard !s.finished else { return false }
            s.finished = true
            if case .connectionLost(let why) = reason, !s.down {
                continuation.yield(.disconnected(at: at, reason: why))
            }
            continuation.yield(.closed(reason, at: at))
            continuation.finish()
            return true
        }
        if done { sink.forget(self) }
    }

    /// libnats' completion callback: no message callback will follow.
    func completed() {
        finish(reason: sink.closeReason(unsubscribed: unsubscribed.load(ordering: .acquiring)), at: .now())
    }
}

// MARK: - C callbacks

/// Turns a libnats message into a `NATSMessage` and destroys the libnats one.
func natsMessage(from msg: OpaquePointer, at: MonotonicInstant) -> NATSMessage {
    defer { natsMsg_Destroy(msg) }
    let subject = natsMsg_GetSubject(msg).map { String(cString: $0) } ?? ""
    let reply = natsMsg_GetReply(msg).map { String(cString: $0) }
    let length = Int(natsMsg_GetDataLength(msg))
    var payload: [UInt8] = []
    if length > 0, let data = natsMsg_GetData(msg) {
        payload = Array(UnsafeRawBufferPointer(start: data, count: length))
    }
    var headers: [HTTPHeader] = []
    var keys: UnsafeMutablePointer<UnsafePointer<CChar>?>?
    var keyCount: Int32 = 0
    if natsMsgHeader_Keys(msg, &keys, &keyCount) == NATS_OK, let keys {
        for k in 0..<Int(keyCount) {
            guard let key = keys[k] else { continue }
            let name = String(cString: key)
            var values: UnsafeMutablePointer<UnsafePointer<CChar>?>?
            var valueCount: Int32 = 0
            if natsMsgHeader_Values(msg, key, &values, &valueCount) == NATS_OK, let values {
                for v in 0..<Int(valueCount) {
                    headers.append(HTTPHeader(name, values[v].map { String(cString: $0) } ?? ""))
                }
                free(values)
            }
        }
        free(keys)
    }
    return NATSMessage(subject: subject, replyTo: reply?.isEmpty == true ? nil : reply, headers: headers,
                       payload: payload, receivedAt: at)
}

/// The message handler of every Herald subscription; `closure` is its retained `NATSSubscriptionBox`.
func heraldNatsOnMessage(_ nc: OpaquePointer?, _ sub: OpaquePointer?, _ msg: OpaquePointer?,
                         _ closure: UnsafeMutableRawPointer?) {
    let at = MonotonicInstant.now()
    guard let msg, let closure else { return }
    let box = Unmanaged<NATSSubscriptionBox>.fromOpaque(closure).takeUnretainedValue()
    box.deliver(natsMessage(from: msg, at: at))
}

/// The completion handler: the last callback for a subscription, so it releases the box.
func heraldNatsOnComplete(_ closure: UnsafeMutableRawPointer?) {
    guard let closure else { return }
    let box = Unmanaged<NATSSubscriptionBox>.fromOpaque(closure).takeRetainedValue()
    box.completed()
}

func heraldNatsOnDisconnected(_ nc: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    guard let closure else { return }
    var text: UnsafePointer<CChar>?
    var reason: String?
    if let nc, natsConnection_GetLastError(nc, &text) != NATS_OK, let text, text.pointee != 0 {
        reason = String(cString: text)
    }
    Unmanaged<NATSConnectionSink>.fromOpaque(closure).takeUnretainedValue().disconnected(reason: reason)
}

func heraldNatsOnReconnected(_ nc: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    guard let closure else { return }
    Unmanaged<NATSConnectionSink>.fromOpaque(closure).takeUnretainedValue().reconnected()
}

/// The closed handler: the last connection callback, so it releases the sink.
func heraldNatsOnClosed(_ nc: OpaquePointer?, _ closure: UnsafeMutableRawPointer?) {
    guard let closure else { return }
    Unmanaged<NATSConnectionSink>.fromOpaque(closure).takeRetainedValue().libraryClosed()
}

func heraldNatsOnError(_ nc: OpaquePointer?, _ sub: OpaquePointer?, _ status: natsStatus,
                       _ closure: UnsafeMutableRawPointer?) {
    guard let closure, let sub, status == NATS_SLOW_CONSUMER else { return }
    Unmanaged<NATSConnectionSink>.fromOpaque(closure).takeUnretainedValue().slowConsumer(subscription: sub)
}
