/// Percentiles of a set of measurements, by the nearest-rank method: every figure is a value that was measured.
enum Percentiles {
    /// The `p`-th percentile (0…100) of `sorted`, which must be sorted ascending and not empty: the smallest value
    /// such that at least `p` percent of the values are less than or equal to it.
    static func nearestRank(_ sorted: [Double], _ p: Double) -> Double {
        precondition(!sorted.isEmpty, "no values")
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

/// Count, median, 95th percentile and maximum of a set of latencies in milliseconds.
struct LatencySummary: Equatable, Sendable {
    /// How many values there were.
    var count: Int
    /// The median (nearest rank).
    var p50: Double
    /// The 95th percentile (nearest rank).
    var p95: Double
    /// The largest value.
    var max: Double
}

extension LatencySummary {
    /// Summarises `values`, ignoring values that are not finite; `nil` when none is left.
    init?(_ values: [Double]) {
        let sorted = values.filter(\.isFinite).sorted()
        guard let last = sorted.last else { return nil }
        count = sorted.count
        p50 = Percentiles.nearestRank(sorted, 50)
        p95 = Percentiles.nearestRank(sorted, 95)
        max = last
    }
}
