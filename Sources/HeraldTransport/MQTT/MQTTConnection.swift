import CMosquitto
import HeraldCore
import Synchronization

/// A connection to an MQTT broker (MQTT 3.1.1), on libmosquitto. Safe to use from any task or thread.
///
/// libmosquitto's network thread reads and writes; it delivers every message of every subscription of this
/// connection into one `events` stream, stamped on arrival. When the connection drops it reconnects by itself
/// about once a second, subscribes to every topic again, and reports `.disconnected` and then `.reconnected`.
/// Get one with `withMQTTConnection`, which closes it when the body ends.
public final class MQTTConnection: Sendable {
    /// The URL connected to, with the password masked.
    public let url: String
    /// The client identifier the broker knows this connection by.
    public let clientID: String
    /// Every message of every subscription, and the connection's drops and returns, in order. Single consumer;
    /// finishes when the connection is closed. Keep the connection referenced while reading: dropping it closes it.
    public let events: EventQueue<MQTTEvent>.Stream
    private let core: MQTTCore

    private init(core: MQTTCore, events: EventQueue<MQTTEvent>.Stream) {
        self.core = core
        self.events = events
        self.url = core.url
        self.clientID = core.options.clientID
    }

    /// Connects: resolves the host, opens TCP (and TLS for `mqtts://`), sends CONNECT and returns once the broker
    /// accepted it (CONNACK 0), all within `options.connectTimeout`.
    ///
    /// - Throws: `MQTTError` — `isInvalidURL`, `isDNSFailure`, `isUnreachable` (connection refused: fails at
    ///   once), `isTLSFailure`, `isRefused` (bad user name or password, not authorised; see `connackCode`),
    ///   `isTimeout`; `CancellationError`. Every message names the URL with the password masked.
    public static func connect(_ options: MQTTOptions) async throws -> MQTTConnection {
        Mosquitto.initialize()
        let started = MonotonicInstant.now()
        let shown = MQTTURL.masked(options.url)
        guard let target = MQTTURL(options.url) else { throw MQTTError.invalidURL(shown) }
        let timeout = options.connectTimeout
        var host = target.host
        switch await AddressResolver.resolve(target.host, port: target.port, timeout: timeout) {
        case .addresses(let addresses):
            // TLS checks the certificate against the name, so libmosquitto gets the name there (and resolves it
            // again); otherwise the address found here.
            if !target.tls, let first = addresses.first { host = first }
        case .failure(let why): throw MQTTError.dnsFailure("\(target.host): \(why)", url: shown)
        case .timedOut: throw MQTTError.timeout(after: timeout, waitingFor: "resolving \(target.host)", url: shown)
        case .cancelled: throw CancellationError()
        }

        let (events, continuation) = EventQueue<MQTTEvent>.makeStream()
        let sink = MQTTSink(url: shown, continuation: continuation)
        func remaining() -> Duration { max(timeout - started.duration(to: .now()), .milliseconds(1)) }
        let handle: MosquittoHandle
        do {
            let limit = remaining()
            handle = try await MQTTBlocking.run(
                "herald-mqtt-open", limit: limit, url: shown,
                timedOut: { MQTTError.timeout(after: timeout, waitingFor: "the broker's CONNACK", url: shown) },
                discard: { handle in
                    sink.shutdown()
                    MQTTTeardown.start(handle, loopRunning: true, owner: sink)
                }
            ) { [host] () -> Result<MosquittoHandle, any Error> in
                MQTTCore.open(target, host: host, options: options, sink: sink, timeout: limit)
            }
        } catch {
            sink.shutdown()
            throw error
        }
        let core = MQTTCore(handle: handle, sink: sink, options: options)
        return MQTTConnection(core: core, events: events)
    }

    /// Whether the connection is up now (false while libmosquitto reconnects, and after `close()`).
    public var isConnected: Bool { core.sink.isConnected }

    /// The topic filters subscribed to (and granted), in order; they are subscribed again after a reconnect.
    public var subscribedTopics: [String] { core.sink.subscribedTopics }

    // MARK: - Subscribing

    /// Subscribes to `topics` (filters: `+` matches one level, `#` the rest) in one SUBSCRIBE and returns once the
    /// broker acknowledged it, with the QoS granted for each topic, in order. A message published after this
    /// returns reaches the connection's `events`. The topics are subscribed again after every reconnect.
    ///
    /// - Throws: `MQTTError` — `isInvalidTopic` for a malformed filter; `refusedTopics` when the broker refused
    ///   some (SUBACK 0x80: the others stay subscribed); `isTimeout` when no SUBACK came within the options'
    ///   `acknowledgementTimeout`; `isConnectionLost` when the connection is or goes down meanwhile; `isClosed`
    ///   after `close()`; `CancellationError`.
    @discardableResult
    public func subscribe(_ topics: [String], qos: Int = 1) async throws -> [Int] {
        guard !topics.isEmpty else { return [] }
        guard (0...2).contains(qos) else { throw MQTTError.invalidArgument("QoS must be 0, 1 or 2, not \(qos)", url: url) }
        for topic in topics where topic.isEmpty || mosquitto_sub_topic_check(topic) != Mosquitto.ok {
            throw MQTTError.invalidTopic(topic, url: url)
        }
        let sink = core.sink
        try checkOpen()
        let generation = sink.generation
        var mid: Int32 = 0
        let rc = Mosquitto.withCStringArray(topics) {
            mosquitto_subscribe_multiple(core.handle.raw, &mid, Int32(topics.count), $0, Int32(qos), 0, nil)
        }
        guard rc == Mosquitto.ok else { throw failure(rc, doing: "subscribing to \(topics.joined(separator: ", "))") }
        let outcome = MQTTSink.SubscribeOutcome()
        let granted: [Int]
        switch sink.awaitSuback(mid, generation: generation, .init(topics: topics, qos: qos, outcome: outcome)) {
        case .arrived(let codes):
            granted = codes
        case .lost:
            throw lostOrClosed()
        case .waiting:
            let limit = core.options.acknowledgementTimeout
            let url = self.url
            let result = await outcome.wait(
                timeout: limit,
                timedOut: { .failure(MQTTError.timeout(after: limit, waitingFor: "the SUBACK for \(topics.joined(separator: ", "))", url: url)) },
                cancelled: { .failure(CancellationError()) })
            if case .failure = result { sink.forgetSubscribe(mid) }
            granted = try result.get()
        }
        let refused = zip(topics, granted).filter { $0.1 == 0x80 }.map(\.0)
        guard refused.isEmpty, granted.count == topics.count else {
            throw MQTTError.subscriptionRefused(refused.isEmpty ? topics : refused, url: url)
        }
        return granted
    }

    /// Unsubscribes from `topics` and returns once the broker acknowledged it (UNSUBACK). They are no longer
    /// subscribed again after a reconnect, whatever the outcome.
    ///
    /// - Throws: `MQTTError` (`isInvalidTopic`, `isTimeout`, `isConnectionLost`, `isClosed`); `CancellationError`.
    public func unsubscribe(_ topics: [String]) async throws {
        guard !topics.isEmpty else { return }
        for topic in topics where topic.isEmpty || mosquitto_sub_topic_check(topic) != Mosquitto.ok {
            throw MQTTError.invalidTopic(topic, url: url)
        }
        let sink = core.sink
        try checkOpen()
        sink.removeTopics(topics)
        let generation = sink.generation
        var mid: Int32 = 0
        let rc = Mosquitto.withCStringArray(topics) {
            mosquitto_unsubscribe_multiple(core.handle.raw, &mid, Int32(topics.count), $0, nil)
        }
        guard rc == Mosquitto.ok else { throw failure(rc, doing: "unsubscribing from \(topics.joined(separator: ", "))") }
        let outcome = MQTTSink.AckOutcome()
        switch sink.awaitUnsuback(mid, generation: generation, outcome) {
        case .arrived: return
        case .lost: throw lostOrClosed()
        case .waiting:
            let limit = core.options.acknowledgementTimeout
            let url = self.url
            let result = await outcome.wait(
                timeout: limit,
                timedOut: { .failure(MQTTError.timeout(after: limit, waitingFor: "the UNSUBACK", url: url)) },
                cancelled: { .failure(CancellationError()) })
            if case .failure = result { sink.forgetUnsubscribe(mid) }
            try result.get()
        }
    }

    // MARK: - Publishing

    /// Publishes `payload` on `topic` (no wildcards). With QoS 0 it returns once libmosquitto has queued the
    /// message; with QoS 1 or 2 once the broker acknowledged it (PUBACK, or PUBCOMP), within the options'
    /// `acknowledgementTimeout`. A retained message is kept by the broker for later subscribers.
    ///
    /// - Throws: `MQTTError` — `isInvalidTopic`; an invalid argument for a QoS outside 0…2 or a payload over
    ///   256 MiB; `isConnectionLost` for a QoS 0 message while the connection is down (QoS 1 and 2 messages are
    ///   kept by libmosquitto and sent after the reconnect, if that happens before the deadline); `isTimeout`;
    ///   `isClosed`; `CancellationError`.
    public func publish(_ topic: String, payload: [UInt8], qos: Int = 0, retain: Bool = false) async throws {
        guard (0...2).contains(qos) else { throw MQTTError.invalidArgument("QoS must be 0, 1 or 2, not \(qos)", url: url) }
        guard !topic.isEmpty, mosquitto_pub_topic_check(topic) == Mosquitto.ok else {
            throw MQTTError.invalidTopic(topic, url: url)
        }
        guard payload.count <= 268_435_455 else {
            throw MQTTError.invalidArgument("the payload of \(payload.count) bytes is over MQTT's 256 MiB", url: url)
        }
        let sink = core.sink
        try checkOpen()
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes {
            mosquitto_publish(core.handle.raw, &mid, topic, Int32(payload.count), $0.baseAddress, Int32(qos), retain)
        }
        // A QoS 1 or 2 message stays queued in libmosquitto when the connection is down.
        let queued = qos > 0 && rc == MOSQ_ERR_NO_CONN.rawValue
        guard rc == Mosquitto.ok || queued else { throw failure(rc, doing: "publishing to \(topic)") }
        if qos == 0 {
            sink.ignorePublish(mid)
            return
        }
        let outcome = MQTTSink.AckOutcome()
        switch sink.awaitPublish(mid, outcome) {
        case .arrived: return
        case .lost: throw lostOrClosed()
        case .waiting:
            let limit = core.options.acknowledgementTimeout
            let url = self.url
            let what = qos == 1 ? "the PUBACK" : "the PUBCOMP"
            let result = await outcome.wait(
                timeout: limit,
                timedOut: { .failure(MQTTError.timeout(after: limit, waitingFor: "\(what) for a message on \(topic)", url: url)) },
                cancelled: { .failure(CancellationError()) })
            if case .failure = result { sink.ignorePublish(mid) }
            try result.get()
        }
    }

    /// Publishes the UTF-8 bytes of `text`; see `publish(_:payload:qos:retain:)`.
    public func publish(_ topic: String, text: String, qos: Int = 0, retain: Bool = false) async throws {
        try await publish(topic, payload: Array(text.utf8), qos: qos, retain: retain)
    }

    // MARK: - Closing

    /// Sends DISCONNECT, stops libmosquitto's network thread and finishes `events`; waiting calls fail with
    /// `isClosed`. Idempotent; returns within a few seconds at most.
    public func close() async {
        await core.close()
    }

    // MARK: - Helpers

    private func checkOpen() throws {
        if core.sink.closeRequested.load(ordering: .acquiring) { throw MQTTError.closed(url: url) }
    }

    private func lostOrClosed() -> MQTTError {
        core.sink.closeRequested.load(ordering: .acquiring)
            ? .closed(url: url) : .connectionLost("while waiting for the acknowledgement", url: url)
    }

    private func failure(_ rc: Int32, doing what: String) -> MQTTError {
        if core.sink.closeRequested.load(ordering: .acquiring) { return .closed(url: url) }
        return Mosquitto.error(rc, errno: 0, url: url, doing: what)
    }
}

/// Runs `body` with a connection to an MQTT broker, then closes it — DISCONNECT sent, network thread stopped,
/// `events` finished — whether `body` returns or throws.
public func withMQTTConnection<T>(
    _ options: MQTTOptions,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (MQTTConnection) async throws -> T
) async throws -> T {
    try await withClosing(try await MQTTConnection.connect(options), close: { await $0.close() }, body)
}
