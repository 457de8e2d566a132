#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The process's open-file limit, raised once so that hundreds of actor connections fit.
enum FileLimit {
    /// The most descriptors Herald asks for; libwebsockets sizes per-context tables by this number.
    static let ceiling = 65_536

    /// Raises the soft `RLIMIT_NOFILE` towards the hard limit (at most `ceiling`) and returns the soft limit
    /// in force afterwards. Runs once per process; later calls return the same value.
    static var raisedSoftLimit: Int { raised }

    private static let raised: Int = {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
        let resource = RLIMIT_NOFILE
        #endif
        guard getrlimit(resource, &limit) == 0 else { return 1024 }
        // RLIM_INFINITY is the largest value, so capping at `ceiling` also handles "unlimited".
        let cap = rlim_t(ceiling)
        let wantedSoft = min(limit.rlim_max, cap)
        if limit.rlim_cur < wantedSoft {
            var wanted = limit
            wanted.rlim_cur = wantedSoft
            if setrlimit(resource, &wanted) == 0 { limit = wanted }
        }
        return Int(min(limit.rlim_cur, cap))
    }()
}
