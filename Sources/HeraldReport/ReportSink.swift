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

    /// Creates a context.
    public init(runID: String, startedAt: String, version: String) {
        self.runID = runID
        self.startedAt = startedAt
        self.version = version
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
