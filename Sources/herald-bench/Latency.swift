import Histogram

/// Per-cycle latencies of one side of the trigger or ramp benchmark, kept in an HDR histogram (nanoseconds, three
/// significant digits): the one place where the bench computes percentiles.
struct Latency {
    /// The recorded durations.
    private var histogram = Histogram<UInt64>(highestTrackableValue: 600_000_000_000, numberOfSignificantValueDigits: .three)

    /// Records one duration in nanoseconds.
    mutating func record(nanoseconds: UInt64) {
        histogram.record(max(1, nanoseconds))
    }

    /// How many durations were recorded.
    var count: Int { Int(histogram.totalCount) }

    /// Adds `other`'s samples (another part of the same side's run).
    mutating func add(_ other: Latency) { histogram.add(other.histogram) }

    /// The duration at `percentile` (0–100), in microseconds.
    func microseconds(at percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1_000 }

    /// The share (0–1) of durations longer than `microseconds`.
    func share(above microseconds: Double) -> Double {
        guard count > 0 else { return 0 }
        return 1 - histogram.percentileAtOrBelowValue(UInt64(microseconds * 1_000)) / 100
    }

    /// The longest recorded duration, in microseconds (exact, not rounded to a bucket).
    var maxMicroseconds: Double { Double(histogram.maxRecorded) / 1_000 }
}
