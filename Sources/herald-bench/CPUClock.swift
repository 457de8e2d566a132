#if canImport(Glibc)
import Glibc
#endif

/// CPU time of this process (all threads), user + system, from `getrusage(RUSAGE_SELF)`.
enum CPUClock {
    /// Seconds of CPU used so far.
    static func seconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }
}
