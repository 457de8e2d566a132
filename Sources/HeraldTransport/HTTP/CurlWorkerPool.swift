import CCurl
import HeraldCore

/// Threads that run curl transfers, each with its own reusable easy handle (so connections stay alive between
/// requests). Threads are started on demand, up to `maxWorkers`, and stay until `shutdown()`.
///
/// `@unchecked Sendable` is sound: `queue`, `idle`, `workers` and `stopping` are read and written only inside
/// `lock.withLock`; each easy handle belongs to the one worker thread that created it.
final class CurlWorkerPool: @unchecked Sendable {
    private let lock = ConditionLock()
    private let maxWorkers: Int
    /// A job and where its outcome goes.
    private struct Queued {
        let job: CurlJob
        let result: OneShot<Result<HTTPResponse, any Error>>
    }

    private var queue: [Queued] = []
    private var head = 0
    private var idle = 0
    private var workers = 0
    private var stopping = false

    init(maxWorkers: Int) {
        CurlGlobal.initialize()
        self.maxWorkers = max(1, maxWorkers)
    }

    /// Queues `job`; a worker settles `result`.
    func submit(_ job: CurlJob, result: OneShot<Result<HTTPResponse, any Error>>) {
        enum Admission { case rejected, queued, needsWorker }
        let admission: Admission = lock.withLock {
            if stopping { return .rejected }
            queue.append(Queued(job: job, result: result))
            if idle > 0 || workers >= maxWorkers {
                lock.signal()
                return .queued
            }
            workers += 1
            return .needsWorker
        }
        switch admission {
        case .rejected:
            result.complete(.failure(TransportError.closed(url: job.request.url, detail: "the HTTP client was shut down")))
        case .queued:
            break
        case .needsWorker:
            if let thread = OSThread(name: "herald-curl", { [self] in workerLoop() }) {
                thread.detach()
                return
            }
            // No new thread: an existing worker will get to the job; with none, fail what is queued.
            let none: Bool = lock.withLock {
                workers -= 1
                return workers == 0
            }
            if none { drainWithError(detail: "cannot start an HTTP worker thread") }
        }
    }

    /// Lets the workers finish what is queued and exit.
    func shutdown() {
        lock.withLock {
            stopping = true
            lock.broadcast()
        }
    }

    private func workerLoop() {
        guard let handle = curl_easy_init() else {
            lock.withLock { workers -= 1 }
            drainWithError(detail: "curl_easy_init failed")
            return
        }
        defer { curl_easy_cleanup(handle) }
        while let next = nextJob() {
            if next.job.isCancelled {
                next.result.complete(.failure(CancellationError()))
                continue
            }
            next.result.complete(CurlTransfer.perform(next.job, on: handle))
        }
    }

    /// The next job, waiting for one; nil when the pool stops and nothing is left.
    private func nextJob() -> Queued? {
        lock.withLock {
            while head == queue.count {
                if stopping {
                    workers -= 1
                    return nil
                }
                idle += 1
                lock.wait()
                idle -= 1
            }
            let job = queue[head]
            head += 1
            if head == queue.count {
                queue.removeAll(keepingCapacity: true)
                head = 0
            }
            return job
        }
    }

    private func drainWithError(detail: String) {
        let jobs: [Queued] = lock.withLock {
            defer { queue = []; head = 0 }
            return Array(queue[head...])
        }
        for queued in jobs {
            queued.result.complete(.failure(TransportError.systemFailure(url: queued.job.request.url, detail: detail)))
        }
    }
}
