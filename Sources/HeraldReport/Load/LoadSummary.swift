import HeraldContract
import HeraldCore
import Histogram

/// Latencies of one kind, in an HDR histogram of microseconds (three significant digits, up to an hour), so that
/// histograms of several workers, levels or machines add up exactly.
public struct LatencyHistogram: Sendable {
    private var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    /// An empty histogram.
    public init() {}

    /// Records a latency in milliseconds (a negative or non-finite one is left out).
    public mutating func record(ms: Double) {
        guard ms.isFinite, ms >= 0 else { return }
        _ = histogram.record(min(3_600_000_000, max(1, UInt64((ms * 1_000).rounded()))))
    }

    /// Adds every value of `other`.
    public mutating func add(_ other: LatencyHistogram) { histogram.add(other.histogram) }

    /// How many latencies were recorded.
    public var count: Int { Int(histogram.totalCount) }

    /// The latency at `percentile` (0–100), in milliseconds; 0 when nothing was recorded.
    public func ms(at percentile: Double) -> Double {
        count == 0 ? 0 : Double(histogram.valueAtPercentile(percentile)) / 1_000
    }

    /// The longest latency recorded, in milliseconds; 0 when nothing was recorded.
    public var maxMs: Double { count == 0 ? 0 : Double(histogram.maxRecorded) / 1_000 }

    /// The recorded buckets as `[microseconds, count]` pairs, in ascending order: what `report.json` keeps, so that
    /// histograms of several reports add up exactly (``init(buckets:)``).
    public var buckets: [[UInt64]] {
        var pairs = histogram.recordedValues().map { [$0.value, UInt64($0.count)] }
        // A bucket stands for its highest value; the top one's is kept exact, one count of it at the largest value
        // recorded, so that a rebuilt histogram has the same maximum (which bounds its top percentiles).
        if let last = pairs.last, last[0] != histogram.maxRecorded {
            pairs.removeLast()
            if last[1] > 1 { pairs.append([last[0], last[1] - 1]) }
            pairs.append([histogram.maxRecorded, 1])
            if pairs.count > 1, pairs[pairs.count - 2][0] > histogram.maxRecorded { pairs.swapAt(pairs.count - 2, pairs.count - 1) }
        }
        return pairs
    }

    /// A histogram of the `[microseconds, count]` pairs `buckets` gave.
    public init(buckets: [[UInt64]]) {
        for pair in buckets where pair.count == 2 && pair[1] > 0 {
            _ = histogram.record(min(3_600_000_000, max(1, pair[0])), count: pair[1])
        }
    }
}

/// What one level of a load run shows: how its flows ended, its notification checkpoints, wrong recipients, and the
/// latencies of its HTTP calls (by step) and of its deliveries (trigger → frame, by expectation).
public struct LoadLevelSummary: Sendable {
    /// Workers at once.
    public var workers: Int
    /// Rounds per worker.
    public var rounds: Int
    /// Wall time of the level.
    public var duration: Duration
    /// Flows run, passed (known gaps allowed unless strict) and not passed.
    public var flows: Int
    /// Flows that passed.
    public var passed: Int
    /// Flows that failed or stopped on an infrastructure error.
    public var failed: Int
    /// Event expectations (notification checkpoints) that passed.
    public var checkpointsFound: Int
    /// Event expectations that failed.
    public var checkpointsMissing: Int
    /// Event expectations that failed as known gaps.
    public var checkpointsKnownGap: Int
    /// Frames that reached an actor they were not meant for (wrong-recipient verdicts).
    public var wrongRecipients: Int
    /// The arrival rate of an open-model level (`5/s`); `nil` for closed-loop workers (then ``workers`` is how
    /// many ran at once; with a rate, the most flows that were under way at once).
    public var rate: String?
    /// Open model: flows that started more than 10 ms after their scheduled time.
    public var late = 0
    /// Open model: flows scheduled but never started.
    public var dropped = 0
    /// HTTP 429 answers whose `Retry-After` was waited out before sending again.
    public var throttled = 0
    /// Every flow's time from its start to its end (service time).
    public var flow = LatencyHistogram()
    /// Open model: every flow's time from its scheduled start to its end, so that a late start counts.
    public var scheduled = LatencyHistogram()
    /// Every HTTP call's total time.
    public var http = LatencyHistogram()
    /// HTTP calls by step label (with the contract's name when the level ran several), in the order the steps first
    /// ran; the calls before the first step are the health checks.
    public var httpBySteps: [(step: String, latency: LatencyHistogram)] = []
    /// Every delivery's time from the trigger.
    public var delivery = LatencyHistogram()
    /// Deliveries by expectation (its verdict id, without the contract's name when the level ran one contract), in
    /// the order they were first decided.
    public var deliveryByExpectation: [(expectation: String, latency: LatencyHistogram)] = []
    /// The `latency:` bounds of the expectations that have them, by the names ``deliveryByExpectation`` uses.
    public var deliveryLimits: [String: [LatencyLimit]] = [:]

    /// The expectations' `latency:` bounds as thresholds on this level, in the order of ``deliveryByExpectation``.
    public var latencyThresholds: [Threshold] {
        deliveryByExpectation.flatMap { e in (deliveryLimits[e.expectation] ?? []).map { Threshold(expectation: e.expectation, limit: $0) } }
    }

    /// A summary from its figures (a merged report's level).
    init(workers: Int, rounds: Int, duration: Duration, flows: Int, passed: Int, failed: Int, checkpointsFound: Int,
         checkpointsMissing: Int, checkpointsKnownGap: Int, wrongRecipients: Int, http: LatencyHistogram,
         httpBySteps: [(step: String, latency: LatencyHistogram)], delivery: LatencyHistogram,
         deliveryByExpectation: [(expectation: String, latency: LatencyHistogram)], open: Open) {
        self.workers = workers
        self.rounds = rounds
        self.duration = duration
        self.flows = flows
        self.passed = passed
        self.failed = failed
        self.checkpointsFound = checkpointsFound
        self.checkpointsMissing = checkpointsMissing
        self.checkpointsKnownGap = checkpointsKnownGap
        self.wrongRecipients = wrongRecipients
        self.http = http
        self.httpBySteps = httpBySteps
        self.delivery = delivery
        self.deliveryByExpectation = deliveryByExpectation
        (rate, late, dropped, throttled, flow, scheduled) = (open.rate, open.late, open.dropped, open.throttled, open.flow, open.scheduled)
    }

    /// The figures of the open model and of whole flows, for a merged report's level.
    struct Open {
        var rate: String?
        var late = 0, dropped = 0, throttled = 0
        var flow = LatencyHistogram(), scheduled = LatencyHistogram()
    }

    /// How the level is named in tables: its workers, or its rate.
    public var load: String { rate ?? "\(workers)" }

    /// `4 workers`, or `rate 5/s`.
    public var label: String { rate.map { "rate \($0)" } ?? "\(workers) worker\(workers == 1 ? "" : "s")" }

    /// Summarises `level`; with `strict`, a known gap fails its flow.
    public init(_ level: LoadLevel, strict: Bool) {
        workers = level.workers
        rounds = level.rounds
        duration = level.duration
        flows = level.flows.count
        passed = level.flows.filter { $0.contract.status(strict: strict) == .passed }.count
        failed = flows - passed
        let events = level.flows.flatMap(\.contract.verdicts).filter(\.kind.isEvent)
        checkpointsFound = events.filter { $0.outcome == .passed }.count
        checkpointsMissing = events.filter { $0.outcome == .failed }.count
        checkpointsKnownGap = events.filter { $0.outcome == .knownGap }.count
        wrongRecipients = events.filter { $0.reason == .wrongRecipient }.count
        rate = level.rate
        late = level.late
        dropped = level.dropped
        var steps: [String: LatencyHistogram] = [:], stepOrder: [String] = []
        var deliveries: [String: LatencyHistogram] = [:], deliveryOrder: [String] = []
        // With several contracts, steps and expectations are told apart by their contract's name.
        let several = Set(level.flows.map(\.contract.name)).count > 1
        for flow in level.flows {
            let prefix = several ? flow.contract.name + " › " : ""
            var step = prefix + "health checks"
            for entry in flow.contract.timeline.sorted(by: { $0.seq < $1.seq }) {
                switch entry.event {
                case .step(let s): step = prefix + s.label
                case .response(let r):
                    if r.retryAfterMs != nil { throttled += 1 }
                    if steps[step] == nil { stepOrder.append(step) }
                    steps[step, default: LatencyHistogram()].record(ms: r.timing.totalMs)
                    http.record(ms: r.timing.totalMs)
                default: continue
                }
            }
            let service = flow.contract.duration.milliseconds
            self.flow.record(ms: service)
            if let lag = flow.lag { scheduled.record(ms: lag.milliseconds + service) }
            for v in flow.contract.verdicts where v.kind.isEvent {
                guard let ms = v.latencyMs, v.outcome == .passed else { continue }
                let key = several ? v.id : Self.expectation(v.id, contract: flow.contract.name)
                if deliveries[key] == nil { deliveryOrder.append(key) }
                deliveries[key, default: LatencyHistogram()].record(ms: ms)
                if let limits = v.latencyLimits { deliveryLimits[key] = limits }
                delivery.record(ms: ms)
            }
        }
        httpBySteps = stepOrder.map { ($0, steps[$0]!) }
        deliveryByExpectation = deliveryOrder.map { ($0, deliveries[$0]!) }
    }

    /// A verdict id without its contract's name (`step 3 › match #1`), which every flow of the contract shares.
    static func expectation(_ id: String, contract: String) -> String {
        id.hasPrefix(contract + " › ") ? String(id.dropFirst(contract.count + 3)) : id
    }
}

extension Verdict.Kind {
    /// Whether verdicts of this kind judge events on channels (notification checkpoints).
    var isEvent: Bool {
        switch self {
        case .match, .sequence, .count, .absent, .recipients: true
        default: false
        }
    }
}
