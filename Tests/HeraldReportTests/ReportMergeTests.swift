import Foundation
import HeraldContract
import HeraldCore
@testable import HeraldReport
import Testing

/// `herald merge`: the reports of a split run's parts make the report of the whole.
@Suite("report merge")
struct ReportMergeTests {
    static func report(_ levels: [LoadLevel], thresholds: [String] = [], shard: Shard? = nil) throws -> Data {
        let result = LoadResult(levels: levels, interrupted: false, stoppedEarly: false, strict: false)
        let context = ReportContext(runID: "r\(shard?.index ?? 0)", startedAt: "2026-12-05T00:00:0\(shard?.index ?? 0)Z", version: "0.1.0",
                                    load: .init(result: result, thresholds: try thresholds.map { try Threshold($0) }), shard: shard)
        return try JSONReport.encode(result.runResult, context: context)
    }

    static func level(_ flows: [FlowResult]) -> LoadLevel { LoadLevel(workers: 4, rounds: 1, flows: flows, duration: .seconds(2)) }

    /// Four flows of a level of 4 workers, the last one failing, with latencies apart from each other.
    static let flows = (0..<3).map { LoadReportTests.passing(worker: $0, round: 1, plus: Double($0) * 7.3) }
        + [FlowResult(worker: 3, round: 1, contract: SampleRun.contracts[0])]

    @Test("two parts' reports merge into the whole's: counts added up, percentiles those of the pooled flows, thresholds checked again")
    func mergesParts() throws {
        let threshold = "flows.failed==0"
        let a = try Self.report([Self.level(Array(Self.flows.prefix(2)))], thresholds: [threshold], shard: Shard(index: 1, count: 2))
        let b = try Self.report([Self.level(Array(Self.flows.suffix(2)))], thresholds: [threshold], shard: Shard(index: 2, count: 2))
        let merged = try ReportMerge.merge([("a.json", a), ("b.json", b)])
        let whole = LoadLevelSummary(Self.level(Self.flows), strict: false)
        let level = try #require(merged.levels?.first)
        #expect(level.flows == 4 && level.passed == 3 && level.failed == 1 && level.wrongRecipients == 1)
        #expect(level.checkpointsFound == whole.checkpointsFound && level.checkpointsMissing == whole.checkpointsMissing)
        #expect(level.http.count == whole.http.count && level.delivery.count == whole.delivery.count)
        for p in [50.0, 90, 95, 99] {
            #expect(level.http.ms(at: p) == whole.http.ms(at: p), "HTTP p\(p)")
            #expect(level.delivery.ms(at: p) == whole.delivery.ms(at: p), "delivery p\(p)")
        }
        #expect(level.http.maxMs == whole.http.maxMs && level.delivery.maxMs == whole.delivery.maxMs)
        #expect(level.httpBySteps.map(\.step) == whole.httpBySteps.map(\.step))
        #expect(merged.status == .failed)
        let json = try #require(try JSONSerialization.jsonObject(with: merged.json) as? [String: Any])
        #expect((json["contracts"] as? [Any])?.count == 4)
        #expect(json["shard"] == nil)
        #expect(json["runId"] as? String == "r1+r2")
        #expect((json["summary"] as? [String: Any])?["contracts"] as? Int == 4)
        let load = try #require(json["load"] as? [String: Any])
        #expect((load["saturation"] as? [String: Any])?["level"] as? Int == 1, "the threshold checked on the merged figures")
        // The merged run, read back for the other formats: its contracts, and its levels with the breach.
        #expect(merged.result.contracts.count == 4 && merged.context.runID == "r1+r2")
        #expect(merged.result.contracts.map(\.verdicts) == Self.flows.map(\.contract.verdicts))
        #expect(merged.context.exitStatus(of: merged.result) == .failed)
        let md = MarkdownReport.render(merged.result, context: merged.context)
        #expect(md.contains("### Load") && md.contains("| 1 | 4 | 4 | 3 | 1 |"), "\(md)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("merge-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try merged.write(to: folder)
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: folder)) == ["report.json", "junit.xml", "report.md", "report.html"])
        let junit = try String(contentsOfFile: folder + "/junit.xml", encoding: .utf8)
        #expect(junit.contains("<testsuite name=\"load thresholds\"") && junit.contains("type=\"threshold\""))
        // Merged again with itself, the counts double: nothing is deduplicated by accident.
        let twice = try ReportMerge.merge([("m.json", merged.json), ("m.json", merged.json)])
        #expect(twice.levels?.first?.flows == 8)
    }

    @Test("reports that cannot be merged say why")
    func refusals() throws {
        let one = try Self.report([Self.level(Array(Self.flows.prefix(1)))])
        let other = try Self.report([LoadLevel(workers: 2, rounds: 1, flows: [], duration: .seconds(1))])
        let plain = try JSONReport.encode(SampleRun.result, context: SampleRun.context)
        let cases: [([(String, Data)], String)] = [
            ([("x.json", Data("{}".utf8))], "x.json is not a Herald report"),
            ([("y.json", Data("nope".utf8))], "y.json is not JSON"),
            ([("a", one), ("b", other)], "the reports ran different levels: 4 workers and 2 workers"),
            ([("a", one), ("p", plain)], "some reports are of a load run and some are not"),
            ([("a", one), ("t", try Self.report([Self.level([])], thresholds: ["http.p95<1s"]))], "different thresholds"),
        ]
        for (files, says) in cases {
            #expect(throws: ReportMerge.Failure.self) { try ReportMerge.merge(files) }
            do { _ = try ReportMerge.merge(files) } catch { #expect(error.description.contains(says), "\(error)") }
        }
        let plains = try ReportMerge.merge([("p1", plain), ("p2", plain)])
        #expect(plains.levels == nil && plains.contracts == 4 && plains.status == .infrastructure)
    }

    @Test("a shard is i/n with 1 ≤ i ≤ n, and owns the positions that leave i − 1 divided by n")
    func shards() throws {
        let s = try #require(Shard("2/3"))
        #expect(s.index == 2 && s.count == 3 && s.description == "2/3")
        #expect((0..<7).filter(s.owns) == [1, 4])
        for bad in ["0/3", "4/3", "1/0", "2", "a/b", "1/2/3", ""] { #expect(Shard(bad) == nil, "\(bad)") }
        // Every position belongs to exactly one part.
        let parts = (1...3).compactMap { Shard(index: $0, count: 3) }
        #expect((0..<12).allSatisfy { p in parts.filter { $0.owns(p) }.count == 1 })
    }

    @Test("an expectation's latency: bounds hold its delivery percentiles at each level, in the report and after a merge")
    func latencyBounds() throws {
        let limits = [LatencyLimit(percentile: 50, ms: 40), LatencyLimit(percentile: 100, ms: 40)]
        let bounded = Self.flows.map { flow in
            var flow = flow
            flow.contract.verdicts = flow.contract.verdicts.map { v in
                var v = v
                if v.latencyMs != nil { v.latencyLimits = limits }
                return v
            }
            return flow
        }
        let whole = LoadLevelSummary(Self.level(bounded), strict: false)
        let name = try #require(whole.deliveryByExpectation.first?.expectation)
        #expect(whole.latencyThresholds.map(\.description) == ["\(name) latency p50<=40ms", "\(name) latency max<=40ms"])
        let breaches = ThresholdBreach.all([], in: [whole])
        #expect(breaches.map(\.threshold.description) == ["\(name) latency max<=40ms"], "the deliveries took 30, 37.3 and 44.6 ms")
        #expect(breaches.first?.description.hasPrefix("\(name) latency max<=40ms broken at level 1 (4 workers): ") == true)
        let console = LoadConsoleReport.render(LoadResult(levels: [Self.level(bounded)], interrupted: false, stoppedEarly: false, strict: false),
                                               color: false)
        #expect(console.contains("✘ threshold \(name) latency max<=40ms broken at level 1"), "\(console)")
        // Split in two reports and merged, the bounds come back from report.json and are checked on the pooled deliveries.
        let a = try Self.report([Self.level(Array(bounded.prefix(2)))], shard: Shard(index: 1, count: 2))
        let b = try Self.report([Self.level(Array(bounded.suffix(2)))], shard: Shard(index: 2, count: 2))
        let merged = try ReportMerge.merge([("a.json", a), ("b.json", b)])
        #expect(merged.levels?.first?.latencyThresholds.count == 2)
        let json = try #require(try JSONSerialization.jsonObject(with: merged.json) as? [String: Any])
        let level = try #require(((json["load"] as? [String: Any])?["levels"] as? [[String: Any]])?.first)
        #expect((level["breaches"] as? [[String: Any]])?.compactMap { $0["threshold"] as? String } == ["\(name) latency max<=40ms"])
    }
}
