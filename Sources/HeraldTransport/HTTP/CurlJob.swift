import Synchronization

/// One request, run in place or on a curl worker thread, and whether it was asked to stop.
final class CurlJob: Sendable {
    let request: HTTPRequest
    private let cancelled = Atomic<Bool>(false)
    /// Run in place, inside the calling task: the task's own cancellation stops it too.
    private let inPlace: Bool

    /// A job for a worker thread or, with `inPlace`, for the calling task's own thread.
    init(_ request: HTTPRequest, inPlace: Bool = false) {
        self.request = request
        self.inPlace = inPlace
    }

    /// Asks the worker to abort the transfer (checked before it starts and in curl's progress callback).
    func cancel() { cancelled.store(true, ordering: .relaxed) }

    /// Whether `cancel()` was called or, for a job run in place, the calling task was cancelled. (Curl's progress
    /// callback runs inside the transfer, on the task's thread and within its job, where `Task.isCancelled` reads
    /// that task.)
    var isCancelled: Bool { cancelled.load(ordering: .relaxed) || (inPlace && Task.isCancelled) }
}
