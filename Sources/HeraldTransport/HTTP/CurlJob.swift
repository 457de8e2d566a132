import Synchronization

/// One request, run on a curl worker thread or an execution thread's multi handle, and whether it was asked to stop.
final class CurlJob: Sendable {
    let request: HTTPRequest
    private let cancelled = Atomic<Bool>(false)

    init(_ request: HTTPRequest) {
        self.request = request
    }

    /// Asks for the transfer to be aborted (checked before it starts, in curl's progress callback, and by the
    /// execution thread when it is woken for a cancellation).
    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Whether `cancel()` was called.
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
}
