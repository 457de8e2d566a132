import CMosquitto
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Owns one libmosquitto client whose loop thread runs: torn down by `close()`, or in `deinit` when the
/// connection is dropped without it.
final class MQTTCore: Sendable {
    let handle: MosquittoHandle
    let sink: MQTTSink
    let options: MQTTOptions
    private let closing = Mutex<Task<Void, Never>?>(nil)

    init(handle: MosquittoHandle, sink: MQTTSink, options: MQTTOptions) {
        self.handle = handle
        self.sink = sink
        self.options = options
    }

    deinit {
        let closed = closing.withLock { $0 != nil }
        if !closed {
            sink.shutdown()
            MQTTTeardown.start(handle, loopRunning: true, owner: sink)
        }
    }

    var url: String { sink.url }

    /// Disconnects once; every caller waits for the same close, at most a few seconds (a loop thread that is in
    /// the middle of a TCP connect ends later on its own, and frees the handle then).
    func close() async {
        let task: Task<Void, Never> = closing.withLock { slot in
            if let existing = slot { return existing }
            let handle = self.handle
            let sink = self.sink
            let task = Task<Void, Never> {
                sink.shutdown()
                let done = MQTTTeardown.start(handle, loopRunning: true, owner: sink)
                _ = await done.wait(timeout: .seconds(3), timedOut: {}, cancelled: {})
            }
            slot = task
            return task
        }
        await task.value
    }

    // MARK: - Opening

    /// Creates the client, configures it, connects (TCP, and TLS for `mqtts://`), sends CONNECT, runs
    /// libmosquitto's loop on this thread until the CONNACK (so every early failure comes back with its own code,
    /// and a refused first attempt is not retried), and only then starts the loop thread. Blocking: runs on a
    /// thread of its own, for at most `timeout`.
    static func open(_ target: MQTTURL, host: String, options: MQTTOptions, sink: MQTTSink,
                     timeout: Duration) -> Result<MosquittoHandle, any Error> {
        let url = sink.url
        let deadline = ContinuousClock.now + timeout
        // The sink outlives the handle: the core (or the teardown) holds it until `mosquitto_destroy`.
        let userdata = Unmanaged.passUnretained(sink).toOpaque()
        let id: String? = options.clientID.isEmpty ? nil : options.clientID
        guard let mosq = mosquitto_new(id, options.cleanSession, userdata) else {
            let detail = errno == EINVAL
                ? "a client ID is required when cleanSession is false" : "mosquitto_new failed (out of memory)"
            return .failure(errno == EINVAL ? MQTTError.invalidArgument(detail, url: url) : MQTTError.library(detail, url: url))
        }
        func fail(_ error: MQTTError) -> Result<MosquittoHandle, any Error> {
            mosquitto_destroy(mosq)
            return .failure(error)
        }
        if let failure = configure(mosq, target: target, options: options, url: url) { return fail(failure) }
        let keepAlive = Int32(clamping: options.keepAlive.components.seconds)
        let rc = mosquitto_connect(mosq, host, Int32(target.port), keepAlive == 0 ? 0 : max(5, keepAlive))
        let code = errno
        guard rc == Mosquitto.ok else { return fail(Mosquitto.error(rc, errno: code, url: url, doing: "connecting")) }

        while true {
            switch sink.firstConnect {
            case .success?:
                let started = mosquitto_loop_start(mosq)
                guard started == Mosquitto.ok else {
                    return fail(.library("cannot start the network thread: \(Mosquitto.text(started))", url: url))
                }
                return .success(MosquittoHandle(raw: mosq))
            case .failure(let error)?:
                return fail(error)
            case nil:
                break
            }
            let left = ContinuousClock.now.duration(to: deadline)
            guard left > .zero else {
                return fail(.timeout(after: options.connectTimeout, waitingFor: "the broker's CONNACK", url: url))
            }
            let slice = Int32(min(100, max(1, left.milliseconds.rounded(.up))))
            let looped = mosquitto_loop(mosq, slice, 1)
            let code = errno
            if looped != Mosquitto.ok, sink.firstConnect == nil {
                // TLS failures end the loop without a disconnect callback: the code itself says what happened.
                return fail(Mosquitto.error(looped, errno: code, url: url, doing: "connecting"))
            }
        }
    }

    /// Protocol version, callbacks, credentials, reconnect delay and TLS; an error when one is refused.
    private static func configure(_ mosq: OpaquePointer, target: MQTTURL, options: MQTTOptions, url: String) -> MQTTError? {
        _ = mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311)
        mosquitto_connect_callback_set(mosq, heraldMosquittoOnConnect)
        mosquitto_disconnect_callback_set(mosq, heraldMosquittoOnDisconnect)
        mosquitto_message_callback_set(mosq, heraldMosquittoOnMessage)
        mosquitto_subscribe_callback_set(mosq, heraldMosquittoOnSubscribe)
        mosquitto_unsubscribe_callback_set(mosq, heraldMosquittoOnUnsubscribe)
        mosquitto_publish_callback_set(mosq, heraldMosquittoOnPublish)
        // After a drop, libmosquitto's loop thread reconnects every second (its smallest delay) until closed.
        _ = mosquitto_reconnect_delay_set(mosq, 1, 1, false)

        let user = options.username ?? target.user
        let password = options.password ?? target.password
        if user != nil || password != nil {
            let rc = mosquitto_username_pw_set(mosq, user ?? "", password)
            if rc != Mosquitto.ok { return Mosquitto.error(rc, errno: 0, url: url, doing: "setting the credentials") }
        }
        guard target.tls else { return nil }
        var rc: Int32
        if let ca = options.tls.caFile {
            rc = mosquitto_tls_set(mosq, ca, nil, nil, nil, nil)
        } else {
            rc = mosquitto_int_option(mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1)
        }
        if rc == Mosquitto.ok, options.tls.insecure {
            rc = mosquitto_tls_opts_set(mosq, 0, nil, nil)  // SSL_VERIFY_NONE
            if rc == Mosquitto.ok { rc = mosquitto_tls_insecure_set(mosq, true) }
        }
        if rc != Mosquitto.ok {
            let ca = options.tls.caFile.map { " with CA file \($0)" } ?? ""
            return .tlsFailure("cannot set up TLS\(ca): \(Mosquitto.text(rc))", url: url)
        }
        return nil
    }
}
