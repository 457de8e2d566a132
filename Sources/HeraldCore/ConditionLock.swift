#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex with a condition variable, for threads that must sleep until work arrives or a deadline passes
/// (`Synchronization.Mutex` has no condition variable). Timed waits are on the monotonic clock.
///
/// `@unchecked Sendable` is sound: the pthread objects are heap-allocated once, never move, and pthread
/// functions are made to be called from any thread; the data they protect lives with the owner, who touches it
/// only while holding the lock.
public final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// Creates the lock.
    public init() {
        pthread_mutex_init(mutex, nil)
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if canImport(Glibc)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` holding the lock.
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Takes the lock (for a loop that lets go of it around work of its own; pair with ``unlock()``).
    public func lock() { pthread_mutex_lock(mutex) }

    /// Lets go of the lock.
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Sleeps until signalled; call only holding the lock (it is released while waiting).
    public func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Sleeps until signalled or `deadline` passes; call only holding the lock.
    public func wait(until deadline: MonotonicInstant) {
        var ts = timespec(tv_sec: Int(deadline.nanoseconds / 1_000_000_000), tv_nsec: Int(deadline.nanoseconds % 1_000_000_000))
        pthread_cond_timedwait(condition, mutex, &ts)
    }

    /// Wakes one waiter.
    public func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter.
    public func broadcast() { pthread_cond_broadcast(condition) }
}
