#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A point on the monotonic clock, in nanoseconds since an arbitrary origin (boot on Linux).
///
/// Every request, response and frame on a timeline is stamped with one of these, taken on the thread that
/// saw the bytes, so that trigger→delivery times do not include scheduling delays inside Herald.
public struct MonotonicInstant: Hashable, Comparable, Sendable, Codable {
    /// Nanoseconds since the clock's origin.
    public var nanoseconds: UInt64

    /// Creates an instant from a raw nanosecond count.
    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// The current instant.
    public static func now() -> MonotonicInstant {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return MonotonicInstant(nanoseconds: UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec))
    }

    /// The instant `duration` after this one.
    public func advanced(by duration: Duration) -> MonotonicInstant {
        let (s, a) = duration.components
        let signed = s * 1_000_000_000 + a / 1_000_000_000
        return MonotonicInstant(nanoseconds: UInt64(bitPattern: Int64(bitPattern: nanoseconds) &+ signed))
    }

    /// The time from `self` to `other` (negative when `other` is earlier).
    public func duration(to other: MonotonicInstant) -> Duration {
        .nanoseconds(Int64(bitPattern: other.nanoseconds &- nanoseconds))
    }

    /// Orders instants by time.
    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}

extension Duration {
    /// The duration as whole nanoseconds (clamped at zero for negative values).
    public var nanoseconds: UInt64 {
        let (s, a) = components
        let ns = s * 1_000_000_000 + a / 1_000_000_000
        return ns < 0 ? 0 : UInt64(ns)
    }

    /// The duration in (fractional) seconds.
    public var seconds: Double {
        let (s, a) = components
        return Double(s) + Double(a) / 1e18
    }

    /// The duration in (fractional) milliseconds.
    public var milliseconds: Double { seconds * 1000 }
}
