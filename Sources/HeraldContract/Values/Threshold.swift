import Foundation
import HeraldCore

/// A pass condition on a load run's figures, checked at every level: `http.p95<300ms`, `delivery.p99<=1s`,
/// `flow.p95<2s`, `scheduled.p99<3s` (open model: from each flow's scheduled start), `flows.failed==0`,
/// `flows.late==0`, `flows.dropped==0`, `throttled==0`, `wrong_recipients==0`. A level that breaks one fails the run (exit 1); the first such level is
/// the saturation point.
///
/// Read here, from `--threshold` or a contract's `thresholds:`; checked on a load run's levels in HeraldReport.
public struct Threshold: Sendable, Hashable, CustomStringConvertible {
    /// What is measured.
    public enum Metric: Sendable, Hashable {
        /// A percentile (0–100) of every HTTP call's total time, in milliseconds; 100 is the maximum.
        case http(percentile: Double)
        /// A percentile of every delivery's time from its trigger, in milliseconds; 100 is the maximum.
        case delivery(percentile: Double)
        /// A percentile of every flow's time from its start to its end, in milliseconds.
        case flow(percentile: Double)
        /// Open model: a percentile of every flow's time from its scheduled start to its end, in milliseconds.
        case scheduled(percentile: Double)
        /// Open model: flows that started late.
        case flowsLate
        /// Open model: flows that never started.
        case flowsDropped
        /// HTTP 429 answers waited out.
        case throttled
        /// A percentile of one expectation's deliveries (its `latency:`), by the name the load summary gives it.
        case expectation(String, percentile: Double)
        /// Flows that did not pass.
        case flowsFailed
        /// Event expectations that failed.
        case checkpointsMissing
        /// Wrong-recipient verdicts.
        case wrongRecipients
    }

    /// A comparison.
    public enum Comparison: String, Sendable, Hashable, CaseIterable {
        /// `<=`
        case lessOrEqual = "<="
        /// `>=`
        case greaterOrEqual = ">="
        /// `==`
        case equal = "=="
        /// `!=`
        case notEqual = "!="
        /// `<`
        case less = "<"
        /// `>`
        case greater = ">"

        /// Whether `a` compares so with `b`.
        public func holds(_ a: Double, _ b: Double) -> Bool {
            switch self {
            case .less: a < b
            case .lessOrEqual: a <= b
            case .greater: a > b
            case .greaterOrEqual: a >= b
            case .equal: a == b
            case .notEqual: a != b
            }
        }
    }

    /// The metric.
    public var metric: Metric
    /// How it compares.
    public var comparison: Comparison
    /// The limit: milliseconds for latencies, a count otherwise.
    public var limit: Double
    /// As written.
    public var description: String

    /// Why a threshold cannot be read.
    public struct ParseError: Error, CustomStringConvertible {
        /// What is wrong, with what is accepted.
        public var description: String
    }

    /// The bound an expectation's `latency:` puts on its deliveries at each level of a load run.
    public init(expectation: String, limit: LatencyLimit) {
        metric = .expectation(expectation, percentile: limit.percentile)
        comparison = .lessOrEqual
        self.limit = limit.ms
        description = "\(expectation) latency \(limit)"
    }

    /// Reads `text` (`http.p95<300ms`). Latencies take a duration with its unit; counts a whole number.
    public init(_ text: String) throws(ParseError) {
        let written = text.filter { $0 != " " }
        // The first comparison written; where two start at the same place (`<=` and `<`), the longer.
        var found: (Comparison, Range<String.Index>)?
        for c in Comparison.allCases {
            guard let r = written.range(of: c.rawValue) else { continue }
            if let f = found, f.1.lowerBound < r.lowerBound || (f.1.lowerBound == r.lowerBound && f.0.rawValue.count >= c.rawValue.count) {
                continue
            }
            found = (c, r)
        }
        guard let op = found else {
            throw ParseError(description: "'\(text)' has no comparison: write it like http.p95<300ms or flows.failed==0")
        }
        let name = String(written[..<op.1.lowerBound]), value = String(written[op.1.upperBound...])
        comparison = op.0
        description = text
        switch name {
        case "flows.failed": metric = .flowsFailed
        case "checkpoints.missing": metric = .checkpointsMissing
        case "wrong_recipients": metric = .wrongRecipients
        case "flows.late": metric = .flowsLate
        case "flows.dropped": metric = .flowsDropped
        case "throttled": metric = .throttled
        default:
            let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
            let kinds: [String: (Double) -> Metric] = ["http": Metric.http, "delivery": Metric.delivery, "flow": Metric.flow,
                                                       "scheduled": Metric.scheduled]
            guard parts.count == 2, let kind = kinds[parts[0]], let p = LatencyLimit.percentile(named: parts[1]) else {
                throw ParseError(description: "unknown metric '\(name)' in '\(text)': use http, delivery, flow or scheduled with "
                                 + ".p50…p99 or .max, or flows.failed, flows.late, flows.dropped, checkpoints.missing, "
                                 + "throttled or wrong_recipients")
            }
            metric = kind(p)
            guard let d = DurationText.parse(value) else {
                throw ParseError(description: "'\(value)' in '\(text)' is not a duration: write 300ms or 1.5s")
            }
            limit = d.milliseconds
            return
        }
        guard let n = Int(value), n >= 0 else {
            throw ParseError(description: "'\(value)' in '\(text)' is not a count: write a whole number, as in flows.failed==0")
        }
        limit = Double(n)
    }
}
