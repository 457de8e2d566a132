import Foundation
import HeraldContract
import HeraldCore

/// `herald merge`: one `report.json` from the reports of the parts of a split run (`--shard i/n`).
///
/// The contracts of every part are kept, in the order of the reports given; the summary's counts are added up; the
/// status is the worst part's. A load run's levels are merged level by level: counts added up, histograms merged
/// from their buckets (so the merged percentiles are those of the pooled samples, to the histograms' resolution,
/// with the exact maximum), latencies by step and by expectation merged by name, and the thresholds checked again
/// on the merged figures.
public enum ReportMerge {
    /// Why reports cannot be merged.
    public struct Failure: Error, CustomStringConvertible {
        /// What is wrong.
        public var description: String
    }

    /// The merged report.
    public struct Merged: Sendable {
        /// `report.json`'s bytes.
        public var json: Data
        /// The merged run's exit status.
        public var status: ExitStatus
        /// The merged load levels, for the console (`nil` for plain runs).
        public var levels: [LoadLevelSummary]? { context.load?.summaries }
        /// The merged summary line: contracts passed of all.
        public var contractsPassed: Int
        /// How many contracts.
        public var contracts: Int
        /// The merged run, read back from the reports, for the other formats.
        public var result: RunResult
        /// Its context: the merged run id, the earliest start, the merged load levels.
        public var context: ReportContext

        /// Writes `report.json` and, from the merged run, the other `formats` into `folder`.
        public func write(to folder: String, formats: [ReportFormat] = ReportFormat.allCases) throws {
            for format in formats {
                if format == .json {
                    try json.write(to: URL(fileURLWithPath: (folder as NSString).appendingPathComponent("report.json")), options: .atomic)
                } else {
                    try format.sink(in: folder).write(result, context: context)
                }
            }
        }
    }

    /// Merges the reports `files` (a name for messages, and the bytes).
    public static func merge(_ files: [(name: String, data: Data)]) throws(Failure) -> Merged {
        guard !files.isEmpty else { throw Failure(description: "no reports to merge") }
        var docs: [[String: Any]] = []
        for (name, data) in files {
            guard let doc = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw Failure(description: "\(name) is not JSON")
            }
            guard doc["schema"] as? String == JSONReport.schema else {
                throw Failure(description: "\(name) is not a Herald report (schema \(JSONReport.schema))")
            }
            docs.append(doc)
        }
        var out = docs[0]
        out["shard"] = nil
        out["contracts"] = docs.flatMap { $0["contracts"] as? [Any] ?? [] }
        out["skipped"] = docs.flatMap { $0["skipped"] as? [Any] ?? [] }
        out["interrupted"] = docs.contains { $0["interrupted"] as? Bool == true }
        out["partial"] = docs.contains { $0["partial"] as? Bool == true }
        out["runId"] = docs.compactMap { $0["runId"] as? String }.joined(separator: "+")
        out["startedAt"] = docs.compactMap { $0["startedAt"] as? String }.min() ?? ""
        var summary: [String: Any] = [:]
        for key in ["contracts", "contractsPassed", "expectations", "passed", "failed", "knownGaps", "notRun"] {
            summary[key] = docs.map { ($0["summary"] as? [String: Any])?[key] as? Int ?? 0 }.reduce(0, +)
        }
        summary["durationMs"] = docs.map { ($0["summary"] as? [String: Any])?["durationMs"] as? Double ?? 0 }.reduce(0, +)
        out["summary"] = summary
        var status = docs.compactMap { ($0["exitCode"] as? Int).flatMap { ExitStatus(rawValue: Int32($0)) } }.max() ?? .passed
        var loadRun: ReportContext.LoadRun?
        let strict = docs.contains { $0["strict"] as? Bool == true }
        let contractsStatus = status
        let loads = docs.compactMap { $0["load"] as? [String: Any] }
        if !loads.isEmpty {
            guard loads.count == docs.count else { throw Failure(description: "some reports are of a load run and some are not") }
            let thresholds = try thresholds(loads)
            let merged = try mergeLevels(loads)
            let section = LoadDoc(merged, thresholds: thresholds, breaches: ThresholdBreach.all(thresholds, in: merged),
                                  stoppedEarly: loads.contains { $0["stoppedEarly"] as? Bool == true })
            if section.saturation != nil { status = max(status, .failed) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            guard let data = try? encoder.encode(section), let object = try? JSONSerialization.jsonObject(with: data) else {
                throw Failure(description: "cannot encode the merged load section")
            }
            out["load"] = object
            loadRun = ReportContext.LoadRun(summaries: merged, thresholds: thresholds, flowStatus: contractsStatus,
                                            stoppedEarly: section.stoppedEarly, strict: strict)
        }
        out["exitCode"] = Int(status.rawValue)
        out["status"] = JSONReport.Summary.statusName(status)
        guard let json = try? JSONSerialization.data(withJSONObject: out, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { throw Failure(description: "cannot encode the merged report") }
        let result = RunResult(contracts: try contracts(json), interrupted: out["interrupted"] as? Bool ?? false,
                               skipped: out["skipped"] as? [String] ?? [], strict: strict)
        let context = ReportContext(runID: out["runId"] as? String ?? "", startedAt: out["startedAt"] as? String ?? "",
                                    version: out["herald"] as? String ?? "", load: loadRun)
        return Merged(json: json, status: status, contractsPassed: summary["contractsPassed"] as? Int ?? 0,
                      contracts: summary["contracts"] as? Int ?? 0, result: result, context: context)
    }

    /// The contracts of a report, read back: what `report.json` keeps of each is what the other formats show.
    private static func contracts(_ json: Data) throws(Failure) -> [ContractResult] {
        struct Doc: Decodable { var contracts: [Contract] }
        struct Contract: Decodable {
            var name: String, file: String, location: SourceLocation, durationMs: Double, infrastructureError: String?
            var interrupted: Bool, actors: [String], verdicts: [Verdict], timeline: [Entry]
        }
        struct Entry: Decodable {
            var seq: Int, tMs: Double, actor: String?, channel: String?, event: TimelineEvent
        }
        let doc: Doc
        do { doc = try JSONDecoder().decode(Doc.self, from: json) } catch {
            throw Failure(description: "cannot read the contracts back from the merged report: \(error)")
        }
        let origin = MonotonicInstant(nanoseconds: 0)
        return doc.contracts.map { c in
            ContractResult(name: c.name, file: c.file, location: c.location, verdicts: c.verdicts,
                           timeline: c.timeline.map {
                               TimelineEntry(seq: $0.seq, at: origin.advanced(by: .nanoseconds(Int64(($0.tMs * 1_000_000).rounded()))),
                                             actor: $0.actor, channel: $0.channel, event: $0.event)
                           },
                           origin: origin, duration: .nanoseconds(Int64((c.durationMs * 1_000_000).rounded())),
                           infrastructureError: c.infrastructureError, interrupted: c.interrupted, actors: c.actors)
        }
    }

    /// The status as `report.json` names it (`passed`, `failed`, …).
    public static func statusWords(_ status: ExitStatus) -> String { JSONReport.Summary.statusName(status) }

    /// The thresholds of the reports, which must be the same.
    private static func thresholds(_ loads: [[String: Any]]) throws(Failure) -> [Threshold] {
        let written = loads.map { $0["thresholds"] as? [String] ?? [] }
        guard written.allSatisfy({ $0 == written[0] }) else {
            throw Failure(description: "the reports were checked against different thresholds: \(written.map { $0.joined(separator: ", ") })")
        }
        var out: [Threshold] = []
        for text in written[0] {
            do { out.append(try Threshold(text)) } catch { throw Failure(description: "a report's threshold: \(error.description)") }
        }
        return out
    }

    /// The levels of the reports, level by level.
    private static func mergeLevels(_ loads: [[String: Any]]) throws(Failure) -> [LoadLevelSummary] {
        let all = loads.map { $0["levels"] as? [[String: Any]] ?? [] }
        // A closed level is the same in every part when its workers are; an open level, when its rate is (each part
        // reports the most flows it had under way). Rounds may differ when the levels lasted a duration.
        func shapeOf(_ levels: [[String: Any]]) -> [String] {
            levels.map { ($0["rate"] as? String).map { "rate " + $0 } ?? "\($0["workers"] as? Int ?? 0) workers" }
        }
        let shape = shapeOf(all[0])
        for levels in all where shapeOf(levels) != shape {
            throw Failure(description: "the reports ran different levels: \(shape.joined(separator: ", ")) and "
                          + shapeOf(levels).joined(separator: ", "))
        }
        return all[0].indices.map { i in
            let parts = all.map { $0[i] }
            func sum(_ key: String) -> Int { parts.map { $0[key] as? Int ?? 0 }.reduce(0, +) }
            func sum(_ object: String, _ key: String) -> Int { parts.map { ($0[object] as? [String: Any])?[key] as? Int ?? 0 }.reduce(0, +) }
            func histogram(_ key: String) -> LatencyHistogram { merged(parts.map { $0[key] as? [String: Any] }) }
            func named(_ key: String) -> [(String, LatencyHistogram)] {
                var order: [String] = []
                var byName: [String: LatencyHistogram] = [:]
                for part in parts {
                    for entry in part[key] as? [[String: Any]] ?? [] {
                        guard let name = entry["name"] as? String else { continue }
                        if byName[name] == nil { order.append(name) }
                        byName[name, default: LatencyHistogram()].add(merged([entry["latency"] as? [String: Any]]))
                    }
                }
                return order.map { ($0, byName[$0]!) }
            }
            var limits: [String: [LatencyLimit]] = [:]
            for part in parts {
                for entry in part["deliveryByExpectation"] as? [[String: Any]] ?? [] {
                    guard let name = entry["name"] as? String, let written = entry["limits"] as? [String] else { continue }
                    limits[name] = written.compactMap(LatencyLimit.init(written:))
                }
            }
            let longest = parts.map { $0["durationMs"] as? Double ?? 0 }.max() ?? 0
            let open = LoadLevelSummary.Open(rate: parts[0]["rate"] as? String, late: sum("late"), dropped: sum("dropped"),
                                             throttled: sum("throttled"), flow: histogram("flow"), scheduled: histogram("scheduled"))
            var summary = LoadLevelSummary(
                workers: open.rate == nil ? parts[0]["workers"] as? Int ?? 0 : sum("workers"), rounds: parts.map { $0["rounds"] as? Int ?? 0 }.max() ?? 0,
                duration: .nanoseconds(Int64(longest * 1_000_000)), flows: sum("flows"), passed: sum("passed"), failed: sum("failed"),
                checkpointsFound: sum("checkpoints", "found"), checkpointsMissing: sum("checkpoints", "missing"),
                checkpointsKnownGap: sum("checkpoints", "knownGap"), wrongRecipients: sum("wrongRecipients"),
                http: histogram("http"), httpBySteps: named("httpBySteps").map { (step: $0.0, latency: $0.1) },
                delivery: histogram("delivery"), deliveryByExpectation: named("deliveryByExpectation").map { (expectation: $0.0, latency: $0.1) },
                open: open)
            summary.deliveryLimits = limits
            return summary
        }
    }

    /// The histograms of `latencies` (each a report's `{…, "histogram": [[µs, count], …]}`), added up.
    private static func merged(_ latencies: [[String: Any]?]) -> LatencyHistogram {
        var out = LatencyHistogram()
        for latency in latencies {
            let buckets = (latency?["histogram"] as? [[Any]] ?? []).map { $0.compactMap { ($0 as? NSNumber)?.uint64Value } }
            out.add(LatencyHistogram(buckets: buckets))
        }
        return out
    }
}
