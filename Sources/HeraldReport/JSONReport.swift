import Foundation
import HeraldCore

/// `report.json`: every contract, verdict with evidence, and timeline entry. Its shape is versioned by `schema`.
public struct JSONReport: ReportSink {
    /// The schema id written in every report.
    public static let schema = "herald.report/v1"

    /// The file to write.
    public var path: String

    /// Writes to `path`.
    public init(path: String) { self.path = path }

    /// Writes the report file.
    public func write(_ result: RunResult, context: ReportContext) throws {
        try JSONReport.encode(result, context: context).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The report as JSON bytes.
    public static func encode(_ result: RunResult, context: ReportContext) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Document(result, context: context))
    }

    struct Document: Encodable {
        var schema = JSONReport.schema
        var herald: String
        var runId: String
        var startedAt: String
        var status: String
        var exitCode: Int32
        var strict: Bool
        var interrupted: Bool
        var partial: Bool
        var summary: Summary
        var contracts: [ContractDoc]
        var skipped: [String]
        /// A load run's levels (its flows are the contracts); absent from a plain run's report.
        var load: LoadDoc?
        /// The part of the work this report covers (`--shard`); absent when the run was not split.
        var shard: ShardDoc?

        init(_ r: RunResult, context: ReportContext) {
            herald = context.version
            runId = context.runID
            startedAt = context.startedAt
            let exit = context.exitStatus(of: r)
            exitCode = exit.rawValue
            status = Summary.statusName(exit)
            strict = r.strict
            interrupted = r.interrupted
            partial = r.isPartial
            summary = Summary(r)
            contracts = r.contracts.map { ContractDoc($0, strict: r.strict) }
            skipped = r.skipped
            load = context.load.map(LoadDoc.init)
            shard = context.shard.map { ShardDoc(index: $0.index, count: $0.count) }
        }
    }

    struct ShardDoc: Encodable {
        var index: Int
        var count: Int
    }

    struct Summary: Encodable {
        var contracts: Int
        var contractsPassed: Int
        var expectations: Int
        var passed: Int
        var failed: Int
        var knownGaps: Int
        var notRun: Int
        var durationMs: Double

        init(_ r: RunResult) {
            let all = r.contracts.flatMap(\.verdicts)
            contracts = r.contracts.count
            contractsPassed = r.contracts.filter { $0.status(strict: r.strict) == .passed }.count
            expectations = all.count
            passed = all.filter { $0.outcome == .passed }.count
            failed = all.filter { $0.outcome == .failed }.count
            knownGaps = all.filter { $0.outcome == .knownGap }.count
            notRun = all.filter { $0.outcome == .notRun }.count
            durationMs = r.contracts.reduce(0) { $0 + $1.duration.milliseconds }
        }

        static func statusName(_ s: ExitStatus) -> String {
            switch s {
            case .passed: "passed"
            case .failed: "failed"
            case .invalidContract: "invalid"
            case .infrastructure: "infrastructure_error"
            }
        }
    }

    struct ContractDoc: Encodable {
        var name: String
        var file: String
        var location: SourceLocation
        var status: String
        var durationMs: Double
        var infrastructureError: String?
        var interrupted: Bool
        var actors: [String]
        var verdicts: [Verdict]
        var timeline: [EntryDoc]

        init(_ c: ContractResult, strict: Bool) {
            name = c.name
            file = c.file
            location = c.location
            status = Summary.statusName(c.status(strict: strict))
            durationMs = c.duration.milliseconds
            infrastructureError = c.infrastructureError
            interrupted = c.interrupted
            actors = c.actors
            verdicts = c.verdicts
            timeline = c.timeline.map { EntryDoc($0, origin: c.origin) }
        }
    }

    struct EntryDoc: Encodable {
        var seq: Int
        var tMs: Double
        var actor: String?
        var channel: String?
        var event: TimelineEvent

        init(_ e: TimelineEntry, origin: MonotonicInstant) {
            seq = e.seq
            tMs = (origin.duration(to: e.at).milliseconds * 1000).rounded() / 1000
            actor = e.actor
            channel = e.channel
            event = e.event
        }
    }
}
