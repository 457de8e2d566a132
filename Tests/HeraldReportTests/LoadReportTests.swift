import Foundation
import HeraldContract
import HeraldCore
@testable import HeraldReport
import Testing

/// The summary of a load level and its console table, from hand-built flows.
@Suite("load run reports")
struct LoadReportTests {
    /// A flow of the sample contract with only its passing verdicts, and latencies shifted by `ms`.
    static func passing(worker: Int, round: Int, plus ms: Double) -> FlowResult {
        var c = SampleRun.contracts[0]
        c.verdicts = c.verdicts.filter { $0.outcome == .passed }.map { v in
            var v = v
            v.latencyMs = v.latencyMs.map { $0 + ms }
            return v
        }
        c.timeline = c.timeline.map { e in
            guard case .response(var r) = e.event else { return e }
            r.timing.totalMs += ms
            var e = e
            e.event = .response(r)
            return e
        }
        return FlowResult(worker: worker, round: round, contract: c)
    }

    static let level = LoadLevel(
        workers: 2, rounds: 2,
        flows: [passing(worker: 0, round: 1, plus: 0), passing(worker: 1, round: 1, plus: 10), passing(worker: 0, round: 2, plus: 20),
                FlowResult(worker: 1, round: 2, contract: SampleRun.contracts[0])],
        duration: .seconds(3))

    @Test("a level counts flows, checkpoints and wrong recipients, and keeps HTTP and delivery latencies by step and expectation")
    func summary() {
        let s = LoadLevelSummary(Self.level, strict: false)
        #expect(s.flows == 4 && s.passed == 3 && s.failed == 1)
        // Event verdicts: three passing flows × one passed recipients; the failing flow adds one more passed, one
        // wrong recipient, one missing sequence and one known gap.
        #expect(s.checkpointsFound == 4)
        #expect(s.checkpointsMissing == 2)
        #expect(s.checkpointsKnownGap == 1)
        #expect(s.wrongRecipients == 1)
        #expect(s.http.count == 4)
        #expect(s.httpBySteps.map(\.step) == ["step 6: buyer accepts seller 1's offer"])
        #expect(abs(s.http.ms(at: 50) - 3.8) < 0.01 && abs(s.http.ms(at: 75) - 13.8) < 0.01, "\(s.http.ms(at: 50)) \(s.http.ms(at: 75))")
        #expect(abs(s.http.maxMs - 23.8) < 0.05)
        // Deliveries: only passed verdicts with a latency, keyed without the contract's name.
        #expect(s.deliveryByExpectation.map(\.expectation) == ["step 6 › recipients #3"])
        #expect(s.delivery.count == 4)
        #expect(abs(s.delivery.ms(at: 100) - 50) < 0.05)
        #expect(abs(s.delivery.ms(at: 0) - 30) < 0.05)
    }

    @Test("with strict, a known gap fails its flow")
    func strict() {
        var level = Self.level
        var gap = SampleRun.contracts[0]
        gap.verdicts = gap.verdicts.filter { $0.outcome != .failed }
        level.flows = [FlowResult(worker: 0, round: 1, contract: gap)]
        #expect(LoadLevelSummary(level, strict: false).failed == 0)
        #expect(LoadLevelSummary(level, strict: true).failed == 1)
    }

    @Test("histograms add up exactly: two halves make the whole")
    func histogramsMerge() {
        var whole = LatencyHistogram(), a = LatencyHistogram(), b = LatencyHistogram()
        for i in 1...1000 {
            let ms = Double(i) * 0.37
            whole.record(ms: ms)
            if i % 2 == 0 { a.record(ms: ms) } else { b.record(ms: ms) }
        }
        a.add(b)
        #expect(a.count == whole.count)
        for p in [50.0, 90, 95, 99, 100] { #expect(a.ms(at: p) == whole.ms(at: p)) }
        #expect(a.maxMs == whole.maxMs)
        var empty = LatencyHistogram()
        empty.record(ms: -1)
        empty.record(ms: .nan)
        #expect(empty.count == 0 && empty.ms(at: 50) == 0)
    }

    @Test("the console table has a row per level, the latencies at the top level, the failed flows and a closing line")
    func console() {
        let one = LoadLevel(workers: 1, rounds: 2, flows: [Self.passing(worker: 0, round: 1, plus: 0), Self.passing(worker: 0, round: 2, plus: 0)],
                            duration: .seconds(1))
        let text = LoadConsoleReport.render(LoadResult(levels: [one, Self.level], interrupted: false, stoppedEarly: false, strict: false),
                                            color: false)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0].hasPrefix("level  workers  flows  passed  failed"))
        #expect(lines[1].hasPrefix("1 ") && lines[1].contains("2 found, 0 missing"), "\(lines[1])")
        #expect(lines[2].hasPrefix("2 ") && lines[2].contains("4 found, 2 missing, 1 known gap"), "\(lines[2])")
        #expect(text.contains("at 2 workers:"))
        #expect(text.contains("HTTP step 6: buyer accepts seller 1's offer"))
        #expect(text.contains("delivery step 6 › recipients #3"))
        #expect(text.contains("level with 2 workers: 1 of 4 flows did not pass"))
        #expect(text.contains("worker 1, round 2: accepted offer"))
        #expect(text.contains("wrong recipient: seller[0] also received it"))
        #expect(lines.last == "2 levels, 6 flows: 1 did not pass, 1 wrong recipient (first at 2 workers)", "\(lines.last ?? "")")
    }

    @Test("thresholds are read as written, and a bad one says what is accepted")
    func thresholdParsing() throws {
        let p95 = try Threshold("http.p95<300ms")
        #expect(p95.metric == .http(percentile: 95) && p95.comparison == .less && p95.limit == 300)
        let max = try Threshold("delivery.max <= 1.5s")
        #expect(max.metric == .delivery(percentile: 100) && max.comparison == .lessOrEqual && max.limit == 1500)
        #expect(try Threshold("flows.failed==0").metric == .flowsFailed)
        #expect(try Threshold("wrong_recipients!=3").comparison == .notEqual)
        #expect(try Threshold("checkpoints.missing>=1").comparison == .greaterOrEqual)
        for (bad, says) in [("http.p95", "no comparison"), ("http.p100<1s", "unknown metric"), ("cpu.p95<1s", "unknown metric"),
                            ("http.p95<300", "not a duration"), ("flows.failed==x", "not a count")] {
            #expect(throws: Threshold.ParseError.self) { try Threshold(bad) }
            do { _ = try Threshold(bad) } catch { #expect(error.description.contains(says), "\(bad): \(error)") }
        }
    }

    @Test("a level that breaks a threshold is named with its figure; the first is the saturation point")
    func thresholdBreaches() throws {
        let calm = LoadLevel(workers: 1, rounds: 1, flows: [Self.passing(worker: 0, round: 1, plus: 0)], duration: .seconds(1))
        let result = LoadResult(levels: [calm, Self.level], interrupted: false, stoppedEarly: false, strict: false)
        let summaries = result.levels.map { LoadLevelSummary($0, strict: false) }
        let thresholds = [try Threshold("wrong_recipients==0"), try Threshold("http.max<20ms"), try Threshold("delivery.p50<1s")]
        let breaches = ThresholdBreach.all(thresholds, in: summaries)
        #expect(breaches.map(\.description) == ["wrong_recipients==0 broken at level 2 (2 workers): 1",
                                                "http.max<20ms broken at level 2 (2 workers): 23.8 ms"])
        let text = LoadConsoleReport.render(result, thresholds: thresholds, color: false)
        #expect(text.contains("✘ threshold http.max<20ms broken at level 2 (2 workers): 23.8 ms"))
        #expect(text.contains("saturation point: level 2 (2 workers)"))
        #expect(text.hasSuffix("2 threshold breaches"), "\(text)")
        let held = LoadConsoleReport.render(LoadResult(levels: [calm], interrupted: false, stoppedEarly: false, strict: false),
                                            thresholds: thresholds, color: false)
        #expect(held.contains("thresholds held at every level: wrong_recipients==0, http.max<20ms, delivery.p50<1s"))
    }

    @Test("a histogram's buckets rebuild it exactly, and two reports' buckets add up to the pooled samples")
    func bucketsRoundTrip() {
        var a = LatencyHistogram(), b = LatencyHistogram(), pooled = LatencyHistogram()
        for i in 1...500 {
            let ms = Double(i * i % 997) * 0.81 + 0.2
            if i % 3 == 0 { a.record(ms: ms) } else { b.record(ms: ms) }
            pooled.record(ms: ms)
        }
        var merged = LatencyHistogram(buckets: a.buckets)
        merged.add(LatencyHistogram(buckets: b.buckets))
        #expect(merged.count == pooled.count)
        for p in [1.0, 50, 90, 95, 99, 99.9] { #expect(merged.ms(at: p) == pooled.ms(at: p), "p\(p)") }
        #expect(LatencyHistogram(buckets: a.buckets).buckets == a.buckets)
    }

    @Test("report.json of a load run has a load section per level, and a broken threshold makes its exit code 1")
    func jsonLoadSection() throws {
        let result = LoadResult(levels: [Self.level], interrupted: false, stoppedEarly: false, strict: false)
        let context = ReportContext(runID: "r1", startedAt: "2026-12-05T00:00:00Z", version: "0.1.0",
                                    load: .init(result: result, thresholds: [try Threshold("http.p50<1ms")]))
        let data = try JSONReport.encode(result.runResult, context: context)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["exitCode"] as? Int == 1, "one flow failed")
        let load = try #require(json["load"] as? [String: Any])
        #expect(load["thresholds"] as? [String] == ["http.p50<1ms"])
        #expect((load["saturation"] as? [String: Any])?["workers"] as? Int == 2)
        let level = try #require((load["levels"] as? [[String: Any]])?.first)
        #expect(level["flows"] as? Int == 4 && level["wrongRecipients"] as? Int == 1)
        #expect((level["breaches"] as? [[String: Any]])?.first?["threshold"] as? String == "http.p50<1ms")
        let plain = try JSONSerialization.jsonObject(with: JSONReport.encode(SampleRun.result, context: SampleRun.context)) as? [String: Any]
        #expect(plain?["load"] == nil, "a plain run's report has no load section")
    }

    /// A level of one worker, then one of four whose HTTP calls take up to ~300 ms longer, checked against `thresholds`.
    static func calmThenBusy(_ thresholds: [String]) throws -> (LoadResult, ReportContext) {
        let calm = LoadLevel(workers: 1, rounds: 1, flows: [passing(worker: 0, round: 1, plus: 0)], duration: .seconds(1))
        let busy = LoadLevel(workers: 4, rounds: 1, flows: (0..<4).map { passing(worker: $0, round: 1, plus: Double($0) * 100) },
                             duration: .seconds(2))
        let result = LoadResult(levels: [calm, busy], interrupted: false, stoppedEarly: false, strict: false)
        let context = ReportContext(runID: "r1", startedAt: "2026-12-05T00:00:00Z", version: "0.1.0",
                                    load: .init(result: result, thresholds: try thresholds.map { try Threshold($0) }))
        return (result, context)
    }

    @Test("report.md and report.html of a load run show the levels, the breaches and the saturation point; a breach fails the title")
    func markdownAndHTML() throws {
        let (result, context) = try Self.calmThenBusy(["http.p99<50ms"])
        let md = MarkdownReport.render(result.runResult, context: context)
        #expect(md.hasPrefix("## ❌ Herald: failed"), "every flow passed, but a threshold broke: \(md.prefix(60))")
        #expect(md.contains("### Load"))
        #expect(md.contains("| 1 | 1 | 1 | 1 | 0 | 1 found, 0 missing | 0 |"), "\(md)")
        #expect(md.contains("| 2 | 4 | 4 | 4 | 0 | 4 found, 0 missing | 0 |"), "\(md)")
        #expect(md.contains("- ❌ threshold http.p99\\<50ms broken at level 2 (4 workers): 304 ms"), "\(md)")
        #expect(md.contains("**Saturation point: level 2 (4 workers).**"))

        let html = HTMLPage.render(result.runResult, context: context)
        #expect(html.contains("<section class=\"load\" id=\"load\">"))
        #expect(html.contains("<svg class=\"load-chart\""))
        #expect(html.components(separatedBy: "<polyline ").count - 1 == 6, "HTTP and delivery at p50, p95 and p99")
        #expect(html.contains("<line x1=") && html.contains("class=\"saturation\""))
        #expect(html.contains("✘ threshold http.p99&lt;50ms broken at level 2 (4 workers)"), "escaped")
        #expect(!html.contains("http.p99<50ms"), "never unescaped")
        #expect(html.contains("<tr class=\"failed\"><td>2</td><td>4</td>"))
        let plain = HTMLPage.render(SampleRun.result, context: SampleRun.context)
        #expect(!plain.contains("<section class=\"load\""))
    }

    @Test("--repeat: each contract's pass rate, each expectation that did not always pass with its reasons, and latency spreads")
    func repeatReport() {
        var steady = SampleRun.contracts[0]
        steady.verdicts = steady.verdicts.map { v in
            var v = v
            v.outcome = .passed
            v.reason = nil
            v.knownGap = nil
            return v
        }
        let flows = [FlowResult(worker: 0, round: 1, contract: steady), FlowResult(worker: 0, round: 2, contract: SampleRun.contracts[0]),
                     FlowResult(worker: 0, round: 3, contract: steady)]
        let result = LoadResult(levels: [LoadLevel(workers: 1, rounds: 3, flows: flows, duration: .seconds(3))],
                                interrupted: false, stoppedEarly: false, strict: false)
        let text = RepeatConsoleReport.render(result, color: false)
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines[0] == "~ accepted offer  (flaky: passed 2 of 3 runs)", "\(text)")
        #expect(lines.contains("    ✘ step 6 › recipients #1: passed 2 of 3 (wrong-recipient)  latency 2.6–2.6 ms, median 2.6 ms"), "\(text)")
        #expect(lines.contains("    ✘ step 8 › sequence #1: passed 2 of 3 (missing)"), "\(text)")
        #expect(lines.contains("    ✘ step 6 › count #2: passed 2 of 3 (duplicate)"), "a known gap in one run: \(text)")
        #expect(lines.contains("    ✔ step 6 › recipients #3  latency 30.0–30.0 ms, median 30.0 ms"), "\(text)")
        #expect(!text.contains("step 6 › status"), "a passing check without a latency is not listed")
        #expect(lines.last == "0 of 1 contract passed every one of 3 runs")
    }

    @Test("junit.xml of a load run has a testsuite of its thresholds, a testcase per threshold and level, failed where broken")
    func junitThresholds() throws {
        let (result, context) = try Self.calmThenBusy(["http.p99<50ms", "flows.failed==0"])
        let xml = JUnitReport.render(result.runResult, context: context)
        #expect(xml.contains("<testsuite name=\"load thresholds\" tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"0\""), "\(xml)")
        #expect(xml.contains("<testcase name=\"http.p99&lt;50ms at level 2 (4 workers)\" classname=\"load thresholds\""))
        #expect(xml.contains("<failure message=\"http.p99&lt;50ms broken at level 2 (4 workers): 304 ms\" type=\"threshold\">"))
        #expect(!JUnitReport.render(SampleRun.result, context: SampleRun.context).contains("load thresholds"))
    }

    @Test("the trace's closing line of a load run whose flows passed but whose threshold broke says failed, exit code 1")
    func traceEndLine() throws {
        let (result, context) = try Self.calmThenBusy(["http.p99<50ms"])
        #expect(result.exitStatus == .passed, "every flow passed")
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-trace-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trace = try TraceWriter(path: path)
        trace.finish(result.runResult, context: context)
        let last = try #require(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").last)
        let end = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        #expect(end["type"] as? String == "end" && end["status"] as? String == "failed" && end["exitCode"] as? Int == 1, "\(end)")
    }
}

