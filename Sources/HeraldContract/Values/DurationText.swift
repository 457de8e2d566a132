/// Reads durations as contracts write them: `2s`, `500ms`, `1.5s`, `2m`, `100us`.
///
/// A unit is required: `within: 500` could mean 500 ms or 500 s, and guessing wrong hides a slow delivery.
public enum DurationText {
    /// Parses `text`, or returns `nil` when it is not a duration with a unit, or one too long to count in 64-bit
    /// nanoseconds (292 years).
    public static func parse(_ text: String) -> Duration? {
        let t = text.trimmingCharacters(in: " ")
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where t.hasSuffix(suffix) {
            guard let n = Double(t.dropLast(suffix.count)), n >= 0, n.isFinite else { return nil }
            let nanoseconds = (n * scale * 1e9).rounded()
            // Double(Int64.max) is 2^63, one more than Int64.max: below it, the conversion cannot trap.
            guard nanoseconds < Double(Int64.max) else { return nil }
            return .nanoseconds(Int64(nanoseconds))
        }
        return nil
    }

    /// Formats a duration the short way: `2s`, `350ms`, `1.25s`.
    public static func format(_ d: Duration) -> String {
        let ms = d.milliseconds
        if ms < 1000 { return ms == ms.rounded() ? "\(Int(ms))ms" : String(format1: ms) + "ms" }
        let s = ms / 1000
        return s == s.rounded() ? "\(Int(s))s" : String(format1: s, digits: 2) + "s"
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }

    init(format1 value: Double, digits: Int = 1) {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let r = (value * scale).rounded() / scale
        var s = String(r)
        if s.hasSuffix(".0") { s.removeLast(2) }
        self = s
    }
}
