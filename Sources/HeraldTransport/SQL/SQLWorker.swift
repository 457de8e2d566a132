import HeraldCore

/// The one OS thread an SQL connection's blocking C calls run on (libpq and SQLite block the caller), one job after
/// another, so that no task of the cooperative pool waits on the database.
///
/// `@unchecked Sendable` is sound: `jobs` and `stopping` are touched only while holding `lock`.
final class SQLWorker: @unchecked Sendable {
    private let lock = ConditionLock()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false

    /// Starts the thread, or returns nil when the system refuses one.
    init?() {
        guard let thread = OSThread(name: "herald-sql", { [self] in loop() }) else { return nil }
        thread.detach()
    }

    /// Queues `job` for the thread. Returns false once the worker is stopping.
    @discardableResult
    func post(_ job: @escaping @Sendable () -> Void) -> Bool {
        lock.withLock {
            guard !stopping else { return false }
            jobs.append(job)
            lock.signal()
            return true
        }
    }

    /// Lets the thread run what is queued, then end. Safe from any thread, the worker's own included.
    func stop() {
        lock.withLock {
            stopping = true
            lock.signal()
        }
    }

    private func loop() {
        while true {
            lock.lock()
            while jobs.isEmpty && !stopping { lock.wait() }
            if jobs.isEmpty {
                lock.unlock()
                return
            }
            let batch = jobs
            jobs = []
            lock.unlock()
            for job in batch { job() }
        }
    }
}

/// A database connection's C handle, used by its worker's thread only, but for ``interrupt()``.
protocol SQLSession: AnyObject, Sendable {
    /// Runs one statement with its parameters bound, on the worker's thread.
    func query(_ sql: String, _ parameters: [SQLParameter], timeout: Duration) throws(SQLError) -> SQLResult
    /// Asks the database to stop the statement under way; safe from any thread, and a no-op once closed.
    func interrupt()
    /// Frees the handle, on the worker's thread.
    func close()
}
