import CMosquitto
import HeraldCore
import Synchronization

/// Where libmosquitto's callbacks for one connection land, and what the callers waiting on acknowledgements
/// share with them: the stream, the subscribed topics (made again after a reconnect), and the waiters keyed by
/// message id.
///
/// Every callback runs on libmosquitto's loop thread (`mosquitto_loop_start`). A caller learns the message id of
/// its SUBSCRIBE, UNSUBSCRIBE or PUBLISH only when the libmosquitto call returns, and the acknowledgement can beat
/// it, so an acknowledgement that finds no waiter is kept (`early…`) for the caller to pick up.
final class MQTTSink: Sendable {
    typealias SubscribeOutcome = OneShot<Result<[Int], any Error>>
    typealias AckOutcome = OneShot<Result<Void, any Error>>

    /// What a `subscribe` waits for.
    struct PendingSubscribe {
        let topics: [String]
        let qos: Int
        let outcome: SubscribeOutcome
    }

    /// What a caller finds when it registers for an acknowledgement.
    enum Registration<Value> {
        case waiting
        case arrived(Value)
        /// The connection dropped after the call was made: the acknowledgement will not come.
        case lost
    }

    private struct State {
        var everConnected = false
        var connected = false
        /// A `.disconnected` was emitted and no `.reconnected` since.
        var down = false
        /// Counts connections lost, so a caller can tell that one dropped while it was making a call.
        var generation = 0
        /// Subscribed topic filters (granted by the broker) and the QoS asked for, in subscription order.
        var topics: [(filter: String, qos: Int)] = []
        var subscribes: [Int32: PendingSubscribe] = [:]
        var earlySubacks: [Int32: [Int]] = [:]
        var unsubscribes: [Int32: AckOutcome] = [:]
        var earlyUnsubacks: Set<Int32> = []
        var publishes: [Int32: AckOutcome] = [:]
        var earlyPublishes: Set<Int32> = []
        /// Publishes nobody waits for (QoS 0, or given up): their callbacks are dropped.
        var ignoredPublishes: Set<Int32> = []
        /// SUBSCRIBEs sent again after a reconnect; `.reconnected` follows their last SUBACK.
        var resubscribing: Set<Int32> = []
        var reconnectedAt = MonotonicInstant(nanoseconds: 0)
        var finished = false
        /// How the first connection attempt ended: CONNACK accepted or refused, or dropped before it.
        var firstConnect: Result<Void, MQTTError>?
    }

    private let state = Mutex(State())
    private let continuation: EventQueue<MQTTEvent>
    /// The URL with the password masked, for errors.
    let url: String
    /// Set when `close()` started: callbacks that follow are expected, not news.
    let closeRequested = Atomic<Bool>(false)

    init(url: String, continuation: EventQueue<MQTTEvent>) {
        self.url = url
        self.continuation = continuation
    }

    var isConnected: Bool { state.withLock { $0.connected && !$0.finished } }
    /// How the first connection attempt ended, once it has: set by the first CONNACK, or a drop before it.
    var firstConnect: Result<Void, MQTTError>? { state.withLock { $0.firstConnect } }
    var generation: Int { state.withLock { $0.generation } }
    var subscribedTopics: [String] { state.withLock { $0.topics.map(\.filter) } }

    // MARK: - Callers

    /// Registers a SUBSCRIBE sent as `mid` while the connection was in `generation`.
    func awaitSuback(_ mid: Int32, generation: Int, _ pending: PendingSubscribe) -> Registration<[Int]> {
        state.withLock { s in
            if s.finished { return .lost }
            if s.generation != generation { return .lost }
            if let granted = s.earlySubacks.removeValue(forKey: mid) {
                Self.record(&s, topics: pending.topics, qos: pending.qos, granted: granted)
                return .arrived(granted)
            }
            s.subscribes[mid] = pending
            return .waiting
        }
    }

    func forgetSubscribe(_ mid: Int32) {
        state.withLock { _ = $0.subscribes.removeValue(forKey: mid) }
    }

    /// Takes `topics` out of the set made again after a reconnect (before the UNSUBSCRIBE goes out, so that a
    /// reconnect meanwhile does not bring them back).
    func removeTopics(_ topics: [String]) {
        state.withLock { s in s.topics.removeAll { topics.contains($0.filter) } }
    }

    func awaitUnsuback(_ mid: Int32, generation: Int, _ outcome: AckOutcome) -> Registration<Void> {
        state.withLock { s in
            if s.finished || s.generation != generation { return .lost }
            if s.earlyUnsubacks.remove(mid) != nil { return .arrived(()) }
            s.unsubscribes[mid] = outcome
            return .waiting
        }
    }

    func forgetUnsubscribe(_ mid: Int32) {
        state.withLock { _ = $0.unsubscribes.removeValue(forKey: mid) }
    }

    /// Registers a QoS 1 or 2 PUBLISH sent as `mid`. libmosquitto keeps such messages across a reconnect and
    /// sends them again, so a drop does not end the wait (the deadline does).
    func awaitPublish(_ mid: Int32, _ outcome: AckOutcome) -> Registration<Void> {
        state.withLock { s in
            if s.finished { return .lost }
            s.ignoredPublishes.remove(mid)
            if s.earlyPublishes.remove(mid) != nil { return .arrived(()) }
            s.publishes[mid] = outcome
            return .waiting
        }
    }

    /// Nobody waits for the publish callback of `mid` (QoS 0, or a wait given up).
    func ignorePublish(_ mid: Int32) {
        state.withLock { s in
            s.publishes[mid] = nil
            if s.earlyPublishes.remove(mid) == nil { s.ignoredPublishes.insert(mid) }
        }
    }

    /// Ends the stream and fails every waiter as closed (the start of `close()`). Idempotent.
    func shutdown() {
        closeRequested.store(true, ordering: .releasing)
        let waiters: Waiters = state.withLock { s in
            guard !s.finished else { return Waiters() }
            s.finished = true
            s.connected = false
            continuation.finish()
            return Self.takeWaiters(&s, publishes: true)
        }
        waiters.fail(MQTTError.closed(url: url))
    }

    /// Waiters taken out of the state, to be failed outside the lock.
    private struct Waiters {
        var subscribes: [SubscribeOutcome] = []
        var acks: [AckOutcome] = []

        func fail(_ error: MQTTError) {
            for outcome in subscribes { outcome.complete(.failure(error)) }
            for outcome in acks { outcome.complete(.failure(error)) }
        }
    }

    private static func takeWaiters(_ s: inout State, publishes: Bool) -> Waiters {
        var waiters = Waiters(subscribes: s.subscribes.values.map(\.outcome), acks: Array(s.unsubscribes.values))
        s.subscribes = [:]
        s.unsubscribes = [:]
        if publishes {
            waiters.acks += s.publishes.values
            s.publishes = [:]
        }
        return waiters
    }

    // MARK: - libmosquitto callbacks (on the loop thread)

    func connected(_ mosq: OpaquePointer, rc: Int32) {
        let at = MonotonicInstant.now()
        if closeRequested.load(ordering: .acquiring) { return }
        guard rc == 0 else {
            // Refused. A first connect fails; on a reconnect libmosquitto simply tries again a second later.
            state.withLock { s in
                if !s.everConnected, s.firstConnect == nil { s.firstConnect = .failure(.refused(connack: Int(rc), url: url)) }
            }
            return
        }
        let groups: [(qos: Int, filters: [String])]? = state.withLock { s in
            s.connected = true
            // QoS 0 packets of a lost connection are gone: their callbacks will not come.
            s.ignoredPublishes.removeAll()
            if !s.everConnected {
                s.everConnected = true
                s.firstConnect = .success(())
                return nil
            }
            s.reconnectedAt = at
            var groups: [(qos: Int, filters: [String])] = []
            for (filter, qos) in s.topics {
                if let i = groups.firstIndex(where: { $0.qos == qos }) {
                    groups[i].filters.append(filter)
                } else {
                    groups.append((qos, [filter]))
                }
            }
            return groups
        }
        guard let groups else { return }
        // The SUBACKs are handled on this same thread after this callback returns, so registering the ids
        // afterwards cannot miss them.
        var mids: Set<Int32> = []
        for group in groups {
            var mid: Int32 = 0
            let rc = Mosquitto.withCStringArray(group.filters) {
                mosquitto_subscribe_multiple(mosq, &mid, Int32(group.filters.count), $0, Int32(group.qos), 0, nil)
            }
            if rc == Mosquitto.ok { mids.insert(mid) }
        }
        state.withLock { s in
            s.resubscribing = mids
            if mids.isEmpty { emitReconnected(&s) }
        }
    }

    func disconnected(rc: Int32) {
        let at = MonotonicInstant.now()
        if closeRequested.load(ordering: .acquiring) { return }
        let reason = Mosquitto.disconnectReason(rc)
        let waiters: Waiters = state.withLock { s in
            s.connected = false
            s.generation += 1
            s.earlySubacks = [:]
            s.earlyUnsubacks = []
            s.resubscribing = []
            // SUBSCRIBE and UNSUBSCRIBE are not sent again by libmosquitto: their acknowledgements will not come.
            let waiters = Self.takeWaiters(&s, publishes: false)
            guard s.everConnected else {
                if s.firstConnect == nil { s.firstConnect = .failure(.noConnack(reason, url: url)) }
                return waiters
            }
            if !s.down, !s.finished {
                s.down = true
                continuation.yield(.disconnected(reason: reason, at: at))
            }
            return waiters
        }
        waiters.fail(MQTTError.connectionLost(reason, url: url))
    }

    func message(_ message: MQTTMessage) {
        continuation.yield(.message(message))
    }

    func subscribed(mid: Int32, granted: [Int]) {
        let waiter: PendingSubscribe? = state.withLock { s in
            if s.resubscribing.remove(mid) != nil {
                if s.resubscribing.isEmpty { emitReconnected(&s) }
                return nil
            }
            if let pending = s.subscribes.removeValue(forKey: mid) {
                Self.record(&s, topics: pending.topics, qos: pending.qos, granted: granted)
                return pending
            }
            s.earlySubacks[mid] = granted
            return nil
        }
        waiter?.outcome.complete(.success(granted))
    }

    func unsubscribed(mid: Int32) {
        let waiter: AckOutcome? = state.withLock { s in
            if let outcome = s.unsubscribes.removeValue(forKey: mid) { return outcome }
            s.earlyUnsubacks.insert(mid)
            return nil
        }
        waiter?.complete(.success(()))
    }

    func published(mid: Int32) {
        let waiter: AckOutcome? = state.withLock { s in
            if s.ignoredPublishes.remove(mid) != nil { return nil }
            if let outcome = s.publishes.removeValue(forKey: mid) { return outcome }
            s.earlyPublishes.insert(mid)
            return nil
        }
        waiter?.complete(.success(()))
    }

    // MARK: - Helpers

    private func emitReconnected(_ s: inout State) {
        guard s.down, !s.finished else { return }
        s.down = false
        continuation.yield(.reconnected(at: s.reconnectedAt))
    }

    /// Adds the granted topics of a SUBACK to the set made again after a reconnect.
    private static func record(_ s: inout State, topics: [String], qos: Int, granted: [Int]) {
        for (topic, code) in zip(topics, granted) where code != 0x80 {
            if let i = s.topics.firstIndex(where: { $0.filter == topic }) {
                s.topics[i].qos = qos
            } else {
                s.topics.append((topic, qos))
            }
        }
    }
}

// MARK: - C callbacks (global functions: a C function pointer cannot capture)

private func sink(_ userdata: UnsafeMutableRawPointer?) -> MQTTSink? {
    userdata.map { Unmanaged<MQTTSink>.fromOpaque($0).takeUnretainedValue() }
}

func heraldMosquittoOnConnect(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ rc: Int32) {
    guard let mosq, let sink = sink(userdata) else { return }
    sink.connected(mosq, rc: rc)
}

func heraldMosquittoOnDisconnect(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ rc: Int32) {
    sink(userdata)?.disconnected(rc: rc)
}

func heraldMosquittoOnMessage(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?,
                              _ message: UnsafePointer<mosquitto_message>?) {
    let at = MonotonicInstant.now()
    guard let sink = sink(userdata), let m = message?.pointee else { return }
    let topic = m.topic.map { String(cString: $0) } ?? ""
    var payload: [UInt8] = []
    if m.payloadlen > 0, let bytes = m.payload {
        payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(m.payloadlen)))
    }
    sink.message(MQTTMessage(topic: topic, payload: payload, qos: Int(m.qos), retained: m.retain, receivedAt: at))
}

func heraldMosquittoOnSubscribe(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ mid: Int32,
                                _ count: Int32, _ granted: UnsafePointer<Int32>?) {
    guard let sink = sink(userdata) else { return }
    var codes: [Int] = []
    if let granted, count > 0 { codes = (0..<Int(count)).map { Int(granted[$0]) } }
    sink.subscribed(mid: mid, granted: codes)
}

func heraldMosquittoOnUnsubscribe(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ mid: Int32) {
    sink(userdata)?.unsubscribed(mid: mid)
}

func heraldMosquittoOnPublish(_ mosq: OpaquePointer?, _ userdata: UnsafeMutableRawPointer?, _ mid: Int32) {
    sink(userdata)?.published(mid: mid)
}
