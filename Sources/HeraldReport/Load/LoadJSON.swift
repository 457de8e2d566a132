import HeraldContract
import HeraldCore

/// The `load` section of `report.json`: per level, the counts and percentiles the console shows, the histograms
/// themselves (as `[microseconds, count]` buckets, which add up exactly across reports), and the thresholds it broke.
struct LoadDoc: Encodable {
    var rounds: Int
    var stoppedEarly: Bool
    var thresholds: [String]
    var saturation: Saturation?
    var levels: [Level]

    struct Saturation: Encodable {
        var level: Int
        var workers: Int
        var rate: String?
    }

    struct Level: Encodable {
        var level: Int
        var workers: Int
        var rate: String?
        var late: Int?
        var dropped: Int?
        var throttled: Int
        var rounds: Int
        var durationMs: Double
        var flows: Int
        var passed: Int
        var failed: Int
        var checkpoints: Checkpoints
        var wrongRecipients: Int
        var http: Latency
        var delivery: Latency
        var flow: Latency
        var scheduled: Latency?
        var httpBySteps: [Named]
        var deliveryByExpectation: [Named]
        var breaches: [Breach]
    }

    struct Checkpoints: Encodable {
        var found: Int
        var missing: Int
        var knownGap: Int
    }

    struct Latency: Encodable {
        var count: Int
        var p50Ms: Double
        var p90Ms: Double
        var p95Ms: Double
        var p99Ms: Double
        var maxMs: Double
        var histogram: [[UInt64]]

        init(_ h: LatencyHistogram) {
            count = h.count
            p50Ms = h.ms(at: 50)
            p90Ms = h.ms(at: 90)
            p95Ms = h.ms(at: 95)
            p99Ms = h.ms(at: 99)
            maxMs = h.maxMs
            histogram = h.buckets
        }
    }

    struct Named: Encodable {
        var name: String
        var latency: Latency
        /// An expectation's `latency:` bounds (`p95<=200ms`).
        var limits: [String]?
    }

    struct Breach: Encodable {
        var threshold: String
        var value: Double
    }

    init(_ load: ReportContext.LoadRun) {
        self.init(load.summaries, thresholds: load.thresholds, breaches: load.breaches, stoppedEarly: load.result.stoppedEarly)
    }

    /// The section for these levels, checked against `thresholds`.
    init(_ summaries: [LoadLevelSummary], thresholds: [Threshold], breaches: [ThresholdBreach], stoppedEarly: Bool) {
        rounds = summaries.first?.rounds ?? 1
        self.stoppedEarly = stoppedEarly
        self.thresholds = thresholds.map(\.description)
        saturation = breaches.first.map { b in Saturation(level: b.level, workers: b.workers, rate: summaries[b.level - 1].rate) }
        levels = summaries.enumerated().map { i, s in
            let open = s.rate != nil
            return Level(level: i + 1, workers: s.workers, rate: s.rate, late: open ? s.late : nil, dropped: open ? s.dropped : nil,
                  throttled: s.throttled, rounds: s.rounds, durationMs: s.duration.milliseconds, flows: s.flows,
                  passed: s.passed, failed: s.failed,
                  checkpoints: Checkpoints(found: s.checkpointsFound, missing: s.checkpointsMissing, knownGap: s.checkpointsKnownGap),
                  wrongRecipients: s.wrongRecipients, http: Latency(s.http), delivery: Latency(s.delivery),
                  flow: Latency(s.flow), scheduled: open ? Latency(s.scheduled) : nil,
                  httpBySteps: s.httpBySteps.map { Named(name: $0.step, latency: Latency($0.latency)) },
                  deliveryByExpectation: s.deliveryByExpectation.map {
                      Named(name: $0.expectation, latency: Latency($0.latency), limits: s.deliveryLimits[$0.expectation]?.map(\.description))
                  },
                  breaches: breaches.filter { $0.level == i + 1 }.map { Breach(threshold: $0.threshold.description, value: $0.value) })
        }
    }
}
