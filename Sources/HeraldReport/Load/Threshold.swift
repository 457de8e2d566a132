import HeraldContract

extension Threshold {
    /// The figure this threshold reads from `level`: `nil` for a latency of which the level recorded none.
    public func value(in level: LoadLevelSummary) -> Double? {
        func at(_ p: Double, _ h: LatencyHistogram) -> Double? { h.count == 0 ? nil : (p == 100 ? h.maxMs : h.ms(at: p)) }
        return switch metric {
        case .http(let p): at(p, level.http)
        case .delivery(let p): at(p, level.delivery)
        case .flow(let p): at(p, level.flow)
        case .scheduled(let p): at(p, level.scheduled)
        case .flowsLate: Double(level.late)
        case .flowsDropped: Double(level.dropped)
        case .throttled: Double(level.throttled)
        case .expectation(let name, let p): level.deliveryByExpectation.first { $0.expectation == name }.flatMap { at(p, $0.latency) }
        case .flowsFailed: Double(level.failed)
        case .checkpointsMissing: Double(level.checkpointsMissing)
        case .wrongRecipients: Double(level.wrongRecipients)
        }
    }

    /// Whether `level` keeps to it (a latency with nothing recorded does).
    public func holds(in level: LoadLevelSummary) -> Bool {
        value(in: level).map { comparison.holds($0, limit) } ?? true
    }
}

extension Threshold {
    /// Whether the threshold bounds a latency (in milliseconds) rather than a count.
    public var isLatency: Bool {
        switch metric {
        case .http, .delivery, .flow, .scheduled, .expectation: true
        default: false
        }
    }
}

/// A threshold a level broke, with the figure it had.
public struct ThresholdBreach: Sendable {
    /// The threshold.
    public var threshold: Threshold
    /// The level's number, from 1, and its workers.
    public var level: Int
    /// Workers at that level.
    public var workers: Int
    /// The level's figure.
    public var value: Double

    /// Every breach of `thresholds`, and of the expectations' `latency:` bounds, in `levels`, level by level.
    public static func all(_ thresholds: [Threshold], in levels: [LoadLevelSummary]) -> [ThresholdBreach] {
        levels.enumerated().flatMap { i, level in
            (thresholds + level.latencyThresholds).compactMap { t in
                guard !t.holds(in: level), let v = t.value(in: level) else { return nil }
                return ThresholdBreach(threshold: t, level: i + 1, workers: level.workers, value: v, levelLabel: level.label)
            }
        }
    }

    /// The level as `description` names it: `3 (8 workers)`, or `2 (rate 5/s)`.
    public var levelLabel: String

    /// `http.p95<300ms broken at level 3 (8 workers): 412 ms`.
    public var description: String {
        let figure = threshold.isLatency ? "\(DurationFormat.figure(value)) ms" : "\(Int(value))"
        return "\(threshold.description) broken at level \(level) (\(levelLabel)): \(figure)"
    }
}
