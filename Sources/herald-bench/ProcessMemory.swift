import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's resident memory, from `/proc/self/status`, and its open-file limit.
enum ProcessMemory {
    /// Current resident set (`VmRSS`), in KiB; nil when unreadable.
    static func residentKiB() -> Int? { field("VmRSS") }

    /// Peak resident set (`VmHWM`), in KiB: since the process started, or since the last `resetPeak()`.
    static func peakKiB() -> Int? { field("VmHWM") }

    /// Resets the peak to the current resident set (writes 5 to `/proc/self/clear_refs`, Linux ≥ 4.0), so that a
    /// later `peakKiB()` is the peak of what ran in between; false when the kernel refused.
    @discardableResult
    static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// Raises the soft `RLIMIT_NOFILE` to the hard limit (children started afterwards inherit it) and returns
    /// both limits after the attempt.
    static func raiseFileLimit() -> (soft: Int, hard: Int) {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return (1024, 1024) }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(resource, &raised) == 0 { limit = raised }
        }
        let cap = rlim_t(Int.max)
        return (Int(min(limit.rlim_cur, cap)), Int(min(limit.rlim_max, cap)))
    }

    /// A `kB` field of `/proc/self/status`.
    private static func field(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            return Int(line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
        }
        return nil
    }
}
