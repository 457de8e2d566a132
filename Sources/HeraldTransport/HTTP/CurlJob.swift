import Synchronization

/// One request waiting for, or running on, a curl worker thread.
final class CurlJob: Sendable {
    let request: HTTPRequest
    /// Settled by the worker with the response or error.
    let result = OneShot<Result<HTTPResponse, any Error>>()
    private let cancelled = Atomic<Bool>(false)

    init(_ request: HTTPRequest) { self.request = request }

    /// Asks the worker to abort the transfer (checked before it starts and in curl's progress callback).
    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Whether `cancel()` was called.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
}
