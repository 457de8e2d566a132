import HeraldCore
import Synchronization

/// A server-sent event stream (`text/event-stream`) over HTTP, on libcurl. Safe to use from any task or thread.
///
/// A thread of its own runs the transfer and parses the stream as EventSource does; events arrive in `events`,
/// stamped when their bytes were read. When the connection ends and `reconnect` is on, it waits the server's
/// `retry` time, connects again with `Last-Event-ID`, and reports `.disconnected` and then `.reconnected`.
/// Get one with `withSSEStream`, which closes it when the body ends.
public final class SSEStream: Sendable {
    /// The stream's URL, with any password masked.
    public let url: String
    /// Every event, and the connection's drops and returns, in order. Single consumer; finishes when the stream
    /// is closed (or ends for good: without `reconnect`, or when the server answers a reconnect with 204).
    /// Keep the stream referenced while reading: dropping it closes it.
    public let events: EventQueue<SSEStreamEvent>.Stream
    private let worker: SSEWorker
    private let closing = Mutex<Task<Void, Never>?>(nil)

    /// Dropped without `close()`: the thread is told to stop (it holds only the worker, not this object).
    deinit {
        worker.stop()
    }

    private init(worker: SSEWorker, events: EventQueue<SSEStreamEvent>.Stream) {
        self.worker = worker
        self.events = events
        self.url = worker.url
    }

    /// Opens the stream: sends the request and returns once the server answered 200 with Content-Type
    /// `text/event-stream` (within `options.connectTimeout`). Events sent by the server from then on arrive in
    /// `events`.
    ///
    /// - Throws: `SSEError` — `isConnectionRefused` (fails at once), `isDNSFailure`, `isTLSFailure`,
    ///   `isTimeout`, `isInvalidURL`; `status` and `bodyStart` for an answer other than 200 (401, 404, 503…);
    ///   `isWrongContentType` for a 200 that is not an event stream. `CancellationError`.
    public static func open(_ options: SSEOptions) async throws -> SSEStream {
        CurlGlobal.initialize()
        let shown = URLText.masked(options.url)
        guard let parts = URLParts(options.url), parts.scheme == "http" || parts.scheme == "https" else {
            throw SSEError.invalidURL("expected an absolute http:// or https:// URL", url: shown)
        }
        let (events, continuation) = EventQueue<SSEStreamEvent>.makeStream()
        let worker = SSEWorker(options: options, url: shown, continuation: continuation)
        guard worker.start() else {
            continuation.finish()
            throw SSEError.system("cannot start a thread", url: shown)
        }
        // The worker enforces the connect timeout itself; this deadline only guards against one that hangs.
        let timeout = options.connectTimeout
        let result = await worker.ready.wait(
            timeout: timeout + .seconds(2),
            timedOut: { .failure(SSEError.timeout(after: timeout, url: shown)) },
            cancelled: { .failure(CancellationError()) })
        do {
            try result.get()
        } catch {
            worker.stop()
            throw error
        }
        return SSEStream(worker: worker, events: events)
    }

    /// The last event ID seen on the stream (or given in the options): what a reconnect sends as `Last-Event-ID`.
    public var lastEventID: String? { worker.lastEventID }

    /// Stops the stream at once — the transfer is abandoned, the thread ends — and finishes `events`. Returns
    /// within a few milliseconds; idempotent.
    public func close() async {
        let task: Task<Void, Never> = closing.withLock { slot in
            if let existing = slot { return existing }
            let worker = self.worker
            let task = Task<Void, Never> {
                worker.stop()
                _ = await worker.finished.wait(timeout: .seconds(2), timedOut: {}, cancelled: {})
            }
            slot = task
            return task
        }
        await task.value
    }
}

/// Runs `body` with an open event stream, then closes it — thread ended, `events` finished — whether `body`
/// returns or throws.
public func withSSEStream<T>(
    _ options: SSEOptions,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (SSEStream) async throws -> T
) async throws -> T {
    try await withClosing(try await SSEStream.open(options), close: { await $0.close() }, body)
}
