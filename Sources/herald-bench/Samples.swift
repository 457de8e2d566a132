import Foundation

/// Repeated measurements of one figure: median and spread.
struct Samples {
    /// The values, in the order measured.
    var values: [Double] = []

    /// The median (mean of the middle two for an even count); 0 when empty.
    var median: Double {
        let s = values.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// The smallest value.
    var min: Double { values.min() ?? 0 }
    /// The largest value.
    var max: Double { values.max() ?? 0 }

    /// Adds a value.
    mutating func add(_ v: Double) { values.append(v) }
}

/// Number formatting for the table.
enum Format {
    /// An integer with thousands separators: 123,456.
    static func grouped(_ v: Double) -> String {
        let digits = String(Int(v.rounded()))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 && c != "-" { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    /// `v` with `places` decimals.
    static func fixed(_ v: Double, _ places: Int) -> String { String(format: "%.\(places)f", v) }

    /// `text` padded with spaces to `width` (left-aligned, or right-aligned with `right`).
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: Swift.max(0, width - text.count))
        return right ? fill + text : text + fill
    }
}
