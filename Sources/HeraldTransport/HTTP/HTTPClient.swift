/// An HTTP client on libcurl. A request made on an ``ExecutionThread`` goes onto that thread's curl multi handle; any
/// other runs on a worker thread of the client's own (not the Swift cooperative pool). Either way curl handles are
/// reused, so keep-alive connections are reused between requests.
public final class HTTPClient: Sendable {
    private let pool: CurlWorkerPool

    /// Creates a client whose worker threads run up to 8 requests at once (more wait in line); requests on an
    /// execution thread are not counted.
    public convenience init() {
        self.init(maxConcurrentRequests: 8)
    }

    /// Creates a client whose worker threads run up to `maxConcurrentRequests` requests at once.
    public init(maxConcurrentRequests: Int) {
        pool = CurlWorkerPool(maxWorkers: maxConcurrentRequests)
    }

    deinit {
        pool.shutdown()
    }

    /// Sends `request` and returns the response, whatever its status.
    ///
    /// - Throws: `TransportError` — `connectionRefused`, `dnsFailure`, `tlsFailure`, `timeout`, `invalidURL`,
    ///   `protocolFailure`; `CancellationError` when the calling task is cancelled (the transfer is aborted
    ///   within about a second).
    ///
    /// Runs on the caller's executor; on an ``ExecutionThread`` the transfer runs on that thread's event loop,
    /// elsewhere on a worker thread.
    public nonisolated(nonsending) func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if let thread = ExecutionThread.current {
            try Task.checkCancellation()
            return try await thread.send(request)
        }
        let job = CurlJob(request)
        let outcome = OneShot<Result<HTTPResponse, any Error>>()
        pool.submit(job, result: outcome)
        // curl enforces `request.timeout`; the extra wait only guards against a worker that never answers.
        let url = request.url
        let timeout = request.timeout
        let result = await outcome.wait(
            timeout: timeout + .seconds(5),
            timedOut: { .failure(TransportError.timeout(url: url, after: timeout)) },
            cancelled: { .failure(CancellationError()) })
        if case .failure = result { job.cancel() }
        return try result.get()
    }
}
