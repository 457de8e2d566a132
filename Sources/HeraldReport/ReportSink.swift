import HeraldContract
import HeraldCore

/// Something that takes the result of a run: the console, a report file, a test's memory.
/// One method, like a log handler: each format is one small type.
public protocol ReportSink {
    /// Takes the result of a run.
    func write(_ result: RunResult, context: ReportContext) throws
}

/// Facts about the run that are not in the result itself.
public struct ReportContext: Sendable {
    /// The run's id.
    public var runID: String
    /// Wall-clock start, ISO 8601.
    public var startedAt: String
    /// Herald's version.
    public var version: String
    /// The load run the result's contracts are the flows of, with its thresholds; `nil` for a plain run.
    public var load: LoadRun?

    /// A load run as the reports show it, its levels summarised once for every report.
    public struct LoadRun: Sendable {
        /// Its levels and flows.
        public let result: LoadResult
        /// The thresholds every level was checked against.
        public let thresholds: [Threshold]
        /// Each level's summary.
        public let summaries: [LoadLevelSummary]
        /// The thresholds its levels broke.
        public let breaches: [ThresholdBreach]
        /// The worst flow's exit status.
        let flowStatus: ExitStatus

        /// Summarises `result`'s levels and checks them against `thresholds`.
        public init(result: LoadResult, thresholds: [Threshold]) {
            self.result = result
            self.thresholds = thresholds
            summaries = result.levels.map { LoadLevelSummary($0, strict: result.strict) }
            breaches = ThresholdBreach.all(thresholds, in: summaries)
            flowStatus = result.exitStatus
        }

        /// A load run known only by its levels' summaries (`herald merge`): its flows are in the reports' contracts.
        init(summaries: [LoadLevelSummary], thresholds: [Threshold], flowStatus: ExitStatus, stoppedEarly: Bool, strict: Bool) {
            result = LoadResult(levels: [], interrupted: false, stoppedEarly: stoppedEarly, strict: strict)
            self.thresholds = thresholds
            self.summaries = summaries
            breaches = ThresholdBreach.all(thresholds, in: summaries)
            self.flowStatus = flowStatus
        }

        /// The run's exit status: the worst flow's, and a failure when a threshold broke.
        public var exitStatus: ExitStatus { max(flowStatus, breaches.isEmpty ? .passed : .failed) }
    }

    /// The exit status of the run `result` comes from: a load run's thresholds can fail a run whose flows all passed;
    /// a run stopped by `--timeout` is an infrastructure error (3).
    public func exitStatus(of result: RunResult) -> ExitStatus {
        let status = load?.exitStatus ?? result.exitStatus
        return timedOut ? max(status, .infrastructure) : status
    }

    /// Whether `--timeout` stopped the run.
    public var timedOut = false

    /// The part of the work this run did (`--shard`), if it was split across machines.
    public var shard: Shard?

    /// Creates a context.
    public init(runID: String, startedAt: String, version: String, load: LoadRun? = nil, shard: Shard? = nil) {
        self.runID = runID
        self.startedAt = startedAt
        self.version = version
        self.load = load
        self.shard = shard
    }
}

/// Keeps results in memory, for tests.
public final class InMemoryReportSink: ReportSink {
    /// Every result written.
    public private(set) var results: [RunResult] = []
    /// Creates an empty sink.
    public init() {}
    /// Keeps `result`.
    public func write(_ result: RunResult, context: ReportContext) throws { results.append(result) }
}
