import Synchronization

/// One request, run in place or on a curl worker thread, and whether it was asked to stop.
final class CurlJob: Sendable {
    let request: HTTPRequest
    private let cancelled = Atomic<Bool>(false)

    init(_ request: HTTPRequest) { self.request = request }

    /// Asks the worker to abort the transfer (checked before it starts and in curl's progress callback).
    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Whether `cancel()` was called.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
}
