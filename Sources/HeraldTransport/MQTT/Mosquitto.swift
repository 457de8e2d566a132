import CMosquitto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `struct mosquitto *` carried across threads.
///
/// `@unchecked Sendable` is sound: once `mosquitto_loop_start` runs, libmosquitto's API (`mosquitto_publish`,
/// `mosquitto_subscribe…`, `mosquitto_disconnect`) locks the handle's own mutexes and may be called from any
/// thread; the pointer itself never changes, and the handle is destroyed exactly once, by `MQTTTeardown`, after
/// the loop thread has been joined and when nothing else uses it.
struct MosquittoHandle: @unchecked Sendable {
    let raw: OpaquePointer
}

/// Process-wide libmosquitto set-up and helpers.
enum Mosquitto {
    /// Runs `mosquitto_lib_init` the first time it is called (thread-safe), never again.
    static func initialize() { _ = initialized }

    private static let initialized: Void = {
        _ = mosquitto_lib_init()
    }()

    static let ok = MOSQ_ERR_SUCCESS.rawValue

    /// libmosquitto's text for a `mosq_err_t`.
    static func text(_ rc: Int32) -> String {
        mosquitto_strerror(rc).map { String(cString: $0) } ?? "error \(rc)"
    }

    /// A short reason for a disconnect callback's code.
    static func disconnectReason(_ rc: Int32) -> String {
        switch rc {
        case MOSQ_ERR_CONN_LOST.rawValue: "the broker closed the connection or it broke"
        case MOSQ_ERR_KEEPALIVE.rawValue: "keep-alive timed out: the broker stopped answering"
        case MOSQ_ERR_PROTOCOL.rawValue: "MQTT protocol error"
        case MOSQ_ERR_ERRNO.rawValue: "socket error"
        default: text(rc)
        }
    }

    /// The `MQTTError` for a failed call that returned `rc` (`errno` read right after the call).
    static func error(_ rc: Int32, errno code: Int32, url: String, doing what: String) -> MQTTError {
        switch rc {
        case MOSQ_ERR_NO_CONN.rawValue, MOSQ_ERR_CONN_LOST.rawValue:
            return .notConnected(url: url)
        case MOSQ_ERR_ERRNO.rawValue:
            if code == ECONNREFUSED { return .unreachable("connection refused", url: url) }
            return .unreachable(String(cString: strerror(code)), url: url)
        case MOSQ_ERR_EAI.rawValue, MOSQ_ERR_LOOKUP.rawValue:
            return .dnsFailure(text(rc), url: url)
        case MOSQ_ERR_TLS.rawValue, MOSQ_ERR_TLS_HANDSHAKE.rawValue:
            return .tlsFailure(text(rc), url: url)
        case MOSQ_ERR_PAYLOAD_SIZE.rawValue, MOSQ_ERR_OVERSIZE_PACKET.rawValue:
            return .invalidArgument("\(what): the payload is too large", url: url)
        case MOSQ_ERR_MALFORMED_UTF8.rawValue:
            return .invalidArgument("\(what): a topic is not valid UTF-8", url: url)
        case MOSQ_ERR_INVAL.rawValue:
            return .invalidArgument("\(what): \(text(rc))", url: url)
        default:
            return .library("\(what): \(text(rc))", url: url)
        }
    }

    /// Calls `body` with a C array of C strings for `strings` (copies, freed afterwards).
    static func withCStringArray<T>(_ strings: [String],
                                    _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> T) -> T {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return copies.withUnsafeBufferPointer { body($0.baseAddress!) }
    }
}

/// Blocking libmosquitto work (connect, disconnect-and-join) on short-lived threads of its own, so that none of
/// it blocks the Swift cooperative pool.
enum MQTTBlocking {
    /// Runs `body` on a new thread and waits for it, at most `limit` (then `timedOut()` is thrown). When the
    /// caller has given up (deadline, cancellation) by the time `body` succeeds, `discard` gets its value.
    static func run<V: Sendable>(_ name: String, limit: Duration, url: String,
                                 timedOut: @escaping @Sendable () -> any Error,
                                 discard: @escaping @Sendable (V) -> Void,
                                 _ body: @escaping @Sendable () -> Result<V, any Error>) async throws -> V {
        let outcome = OneShot<Result<V, any Error>>()
        guard let thread = OSThread(name: name, stackSize: 256 * 1024, {
            let result = body()
            if !outcome.complete(result), case .success(let value) = result { discard(value) }
        }) else {
            throw MQTTError.library("cannot start a thread", url: url)
        }
        thread.detach()
        let result = await outcome.wait(timeout: limit, timedOut: { .failure(timedOut()) },
                                        cancelled: { .failure(CancellationError()) })
        return try result.get()
    }
}

/// Ending a libmosquitto client: DISCONNECT, stop and join the loop thread, free the handle.
enum MQTTTeardown {
    /// Starts the teardown of `handle` on a thread of its own. `owner` (the callbacks' userdata) is kept alive
    /// until the handle is destroyed, since the loop thread may call back until it is joined. The returned
    /// one-shot settles when the handle is gone.
    @discardableResult
    static func start(_ handle: MosquittoHandle, loopRunning: Bool, owner: MQTTSink) -> OneShot<Void> {
        let done = OneShot<Void>()
        let work: @Sendable () -> Void = {
            withExtendedLifetime(owner) {
                _ = mosquitto_disconnect(handle.raw)
                // Joins the loop thread: it ends once it sees the disconnecting state (at most one reconnect
                // delay, or a TCP connect that is under way, later).
                if loopRunning { _ = mosquitto_loop_stop(handle.raw, false) }
                mosquitto_destroy(handle.raw)
            }
            done.complete(())
        }
        if let thread = OSThread(name: "herald-mqtt-stop", stackSize: 256 * 1024, work) {
            thread.detach()
        } else {
            work()
        }
        return done
    }
}
