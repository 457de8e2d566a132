import CCurl
import HeraldCore
#if canImport(Glibc)
import Glibc
#endif

/// One OS thread that runs the tasks of contract executions (as their task executor), with an event loop: the
/// HTTP requests those tasks make run on the thread's curl multi handle, so a request in flight blocks nothing,
/// and one thread can serve many executions (the workers of a load run) the way one event loop would.
///
/// The loop runs queued jobs; when there are none it waits in `curl_multi_poll` for a transfer's socket, curl's
/// timer, or a job (`enqueue` wakes it). A finished transfer resumes its task with a job on this same thread.
///
/// `@unchecked Sendable` is sound: `jobs`, `sleeping`, `stopping` and `ended` are touched only under `lock`;
/// `multi` is used only on the thread, but for its `wakeup` and `requestCancellationCheck`, which are safe from
/// any thread.
public final class ExecutionThread: TaskExecutor, @unchecked Sendable {
    private let lock = ConditionLock()
    private var jobs: [UnownedJob] = []
    /// The loop waits, or is about to, in `curl_multi_poll`: a new job must wake it.
    private var sleeping = false
    private var stopping = false
    /// Set when the thread has ended: later jobs (a task that still prefers it) go to the global executor.
    private var ended = false
    private var thread: OSThread?
    private let multi: CurlMulti

    /// Starts the thread, or returns nil when the system refuses one.
    public init?(name: String = "herald-exec") {
        guard let multi = CurlMulti() else { return nil }
        self.multi = multi
        guard let thread = OSThread(name: name, { self.loop() }) else {
            multi.close(with: CancellationError())
            return nil
        }
        self.thread = thread
    }

    /// Runs `job` on the thread; once the thread has ended, on the global concurrent executor.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        var wake = false
        let taken = lock.withLock {
            if ended { return false }
            jobs.append(job)
            if sleeping {
                sleeping = false
                wake = true
            }
            return true
        }
        if wake { multi.wakeup() }
        if !taken { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Lets the thread run what is queued and in flight, and end, and waits for it; what is queued later runs on
    /// the global executor. Call once, not from the thread.
    public func stop() {
        lock.withLock { stopping = true }
        multi.wakeup()
        thread?.join()
        thread = nil
    }

    /// The execution thread the caller runs on, if any.
    public static var current: ExecutionThread? {
        guard let raw = pthread_getspecific(Self.key) else { return nil }
        return Unmanaged<ExecutionThread>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Sends `request` on the thread's multi handle; the caller is on this thread. The calling task waits without
    /// holding the thread, and its cancellation aborts the transfer.
    nonisolated(nonsending) func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let job = CurlJob(request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                // Runs synchronously, still on this thread: the multi handle is the thread's own.
                multi.start(job) { continuation.resume(with: $0) }
            }
        } onCancel: {
            job.cancel()
            multi.requestCancellationCheck()
        }
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private func loop() {
        pthread_setspecific(Self.key, Unmanaged.passUnretained(self).toOpaque())
        defer {
            pthread_setspecific(Self.key, nil)
            multi.close(with: CancellationError())
        }
        var batch: [UnownedJob] = []
        while true {
            lock.lock()
            let idle = jobs.isEmpty
            if idle && stopping && !multi.isBusy {
                ended = true
                lock.unlock()
                return
            }
            if idle { sleeping = true }
            lock.unlock()
            if idle || multi.isBusy {
                // With nothing queued, sleep until a socket, curl's timer or a job; with jobs queued, only look.
                multi.poll(timeoutMs: idle ? 1000 : 0)
                // Awake before the finished transfers resume their tasks, so their jobs queue without a wakeup.
                lock.withLock { sleeping = false }
                multi.perform()
            }
            lock.lock()
            swap(&batch, &jobs)
            lock.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
            // Requests the jobs started go out now, not after the next wait.
            if multi.added { multi.perform() }
        }
    }
}
