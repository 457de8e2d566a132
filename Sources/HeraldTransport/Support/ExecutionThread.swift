import CCurl
import HeraldCore
#if canImport(Glibc)
import Glibc
#endif

/// One OS thread that runs the tasks of one contract execution (as their task executor), and on which a blocking
/// call is allowed: an HTTP request made there runs in place, on the thread's own curl handle, instead of being
/// handed to a worker thread and back.
///
/// A request is the only thing such an execution waits for that nothing else of it can overtake: its steps run one
/// after another. Frames keep arriving meanwhile on the transports' threads and are recorded there or by reader
/// tasks on the shared pool; a child task of the execution (a cache check beside a step) waits its turn.
///
/// `@unchecked Sendable` is sound: `jobs` and `stopping` are touched only under `lock`; `handle` (the curl easy
/// handle) only on the thread itself, which creates and frees it.
public final class ExecutionThread: TaskExecutor, @unchecked Sendable {
    private let lock = ConditionLock()
    private var jobs: [UnownedJob] = []
    private var sleeping = false
    private var stopping = false
    /// Set when the thread has ended: later jobs (a task that still prefers it) go to the global executor.
    private var ended = false
    private var thread: OSThread?
    /// The thread's curl handle, made on first use; touched only on the thread.
    private var handle: UnsafeMutableRawPointer?

    /// Starts the thread, or returns nil when the system refuses one.
    public init?(name: String = "herald-exec") {
        CurlGlobal.initialize()
        guard let thread = OSThread(name: name, { self.loop() }) else { return nil }
        self.thread = thread
    }

    /// Runs `job` on the thread; once the thread has ended, on the global concurrent executor.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let taken = lock.withLock {
            if ended { return false }
            jobs.append(job)
            if sleeping { lock.signal() }
            return true
        }
        if !taken { globalConcurrentExecutor.enqueue(ExecutorJob(job)) }
    }

    /// Lets the thread run what is queued and end, and waits for it; what is queued later runs on the global
    /// executor. Call once, not from the thread.
    public func stop() {
        lock.withLock {
            stopping = true
            lock.signal()
        }
        thread?.join()
        thread = nil
    }

    /// The execution thread the caller runs on, if any.
    public static var current: ExecutionThread? {
        guard let raw = pthread_getspecific(Self.key) else { return nil }
        return Unmanaged<ExecutionThread>.fromOpaque(raw).takeUnretainedValue()
    }

    /// Runs `job` in place (the caller is on this thread), on the thread's curl handle.
    func perform(_ job: CurlJob) -> Result<HTTPResponse, any Error> {
        if handle == nil { handle = curl_easy_init() }
        guard let handle else {
            return .failure(TransportError.systemFailure(url: job.request.url, detail: "curl_easy_init failed"))
        }
        return CurlTransfer.perform(job, on: handle)
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
            if let handle { curl_easy_cleanup(handle) }
        }
        var batch: [UnownedJob] = []
        while true {
            lock.lock()
            while jobs.isEmpty && !stopping {
                sleeping = true
                lock.wait()
                sleeping = false
            }
            if jobs.isEmpty && stopping {
                ended = true
                lock.unlock()
                return
            }
            swap(&batch, &jobs)
            lock.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
