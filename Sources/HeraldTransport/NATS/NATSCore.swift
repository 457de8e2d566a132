import CNats
import HeraldCore
import Synchronization

/// A libnats handle (`natsConnection *` or `natsSubscription *`) carried across threads.
///
/// `@unchecked Sendable` is sound: libnats' connection and subscription functions take the object's own lock and
/// may be called from any thread; the pointer itself is never changed, and each handle is destroyed exactly once
/// by its owner (`NATSCore`, `NATSSubscriptionHandle`) when no one else can use it.
struct NATSHandle: @unchecked Sendable {
    let raw: OpaquePointer
}

/// Owns one `natsConnection`: destroyed in `deinit`, so it outlives every subscription handle and every blocking
/// call that holds the core (they keep a strong reference).
///
/// `@unchecked Sendable` is sound: the stored properties are constants; the connection pointer is thread-safe
/// as explained at `NATSHandle`; the close task sits behind a `Mutex`.
final class NATSCore: @unchecked Sendable {
    let connection: OpaquePointer
    let sink: NATSConnectionSink
    /// The URL with its credentials masked.
    let url: String
    let options: NATSOptions
    private let closing = Mutex<Task<Void, Never>?>(nil)

    init(connection: OpaquePointer, sink: NATSConnectionSink, url: String, options: NATSOptions) {
        self.connection = connection
        self.sink = sink
        self.url = url
        self.options = options
    }

    deinit {
        // Closed already when `close()` ran (then this only frees memory); otherwise libnats closes it here.
        sink.closeRequested.store(true, ordering: .releasing)
        natsConnection_Destroy(connection)
    }

    var secrets: [String] { sink.secrets }

    /// Closes the connection once; every caller waits for the same close. Returns when libnats' closed callback
    /// ran (every subscription stream has finished) or after a few seconds at most.
    func close() async {
        let task: Task<Void, Never> = closing.withLock { slot in
            if let existing = slot { return existing }
            let handle = NATSHandle(raw: connection)
            let sink = self.sink
            let task = Task<Void, Never> {
                sink.closeRequested.store(true, ordering: .releasing)
                // natsConnection_Close flushes (at most 500 ms) and joins libnats' reader and flusher threads.
                _ = try? await NATSBlocking.run("herald-nats-close", limit: .seconds(5),
                                                timedOut: { CancellationError() }) { () -> Result<Void, any Error> in
                    natsConnection_Close(handle.raw)
                    return .success(())
                }
                _ = await sink.closed.wait(timeout: .seconds(3), timedOut: {}, cancelled: {})
                sink.finishAll()
            }
            slot = task
            return task
        }
        await task.value
    }

    /// A `TransportError` or `NATSError` for a failed libnats call on `subject`.
    func error(_ status: natsStatus, subject: String, timeout: Duration? = nil) -> any Error {
        NATSStatus.error(status, url: url, subject: subject, timeout: timeout, secrets: secrets)
    }
}

/// Turning libnats statuses into Herald errors.
enum NATSStatus {
    static func text(_ status: natsStatus) -> String {
        natsStatus_GetText(status).map { String(cString: $0) } ?? "status \(status.rawValue)"
    }

    /// libnats' last error on the calling thread, scrubbed of `secrets`.
    static func lastError(_ secrets: [String]) -> String? {
        var status = NATS_OK
        guard let text = nats_GetLastError(&status), text.pointee != 0 else { return nil }
        return SecretText.scrub(String(cString: text), secrets)
    }

    static func error(_ status: natsStatus, url: String, subject: String, timeout: Duration?,
                      secrets: [String]) -> any Error {
        switch status {
        case NATS_TIMEOUT:
            return TransportError.timeout(url: url, after: timeout, detail: "subject \(subject)")
        case NATS_NO_RESPONDERS:
            return NATSError.noResponders(subject: subject)
        case NATS_INVALID_SUBJECT:
            return NATSError.invalidSubject(subject)
        case NATS_INVALID_QUEUE_NAME:
            return NATSError.invalidQueueGroup(subject: subject)
        case NATS_MAX_PAYLOAD:
            return NATSError.payloadTooLarge(subject: subject)
        case NATS_NO_SERVER_SUPPORT:
            return NATSError.notSupported(subject: subject)
        case NATS_CONNECTION_CLOSED:
            return TransportError.closed(url: url, detail: "the NATS connection is closed")
        case NATS_CONNECTION_DISCONNECTED:
            return TransportError.closed(url: url, detail: "the NATS connection dropped")
        case NATS_NOT_PERMITTED:
            return NATSError.refused(subject: subject, detail: lastError(secrets) ?? text(status))
        default:
            let detail = lastError(secrets) ?? text(status)
            return TransportError.protocolFailure(url: url, detail: detail)
        }
    }
}

/// Blocking libnats calls, each on a short-lived thread of its own so that none blocks the Swift cooperative pool.
enum NATSBlocking {
    /// Runs `body` on a new thread and waits for it, at most `limit` (then `timedOut()` is thrown). When the
    /// caller has given up (deadline, cancellation) by the time `body` succeeds, `discard` gets its value to
    /// release what it made.
    static func run<V: Sendable>(_ name: String, limit: Duration, timedOut: @escaping @Sendable () -> any Error,
                                 discard: @escaping @Sendable (V) -> Void = { _ in },
                                 _ body: @escaping @Sendable () -> Result<V, any Error>) async throws -> V {
        let outcome = OneShot<Result<V, any Error>>()
        guard let thread = OSThread(name: name, stackSize: 256 * 1024, {
            let result = body()
            if !outcome.complete(result), case .success(let value) = result { discard(value) }
        }) else {
            throw TransportError.systemFailure(url: "nats", detail: "cannot start a thread")
        }
        thread.detach()
        let result = await outcome.wait(timeout: limit, timedOut: { .failure(timedOut()) },
                                        cancelled: { .failure(CancellationError()) })
        return try result.get()
    }
}

extension Duration {
    /// Whole milliseconds, rounded up, at least 1 (libnats rejects a zero timeout, PX a zero expiry).
    var wholeMilliseconds: Int64 { max(1, Int64(milliseconds.rounded(.up))) }
}
