import Foundation
import Testing

/// `herald demo --concurrency …`: the real binary runs the marketplace flow as a load run against the demo backend.
@Suite("load runs against the demo backend", .serialized)
struct LoadRunIntegrationTests {
    static let contract = "contracts/accepted-offer.yaml"

    @Test("on the clean backend every level passes: a row per level, every checkpoint found, no wrong recipient")
    func cleanLevels() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await herald(["demo", "--contracts", Self.contract, "--concurrency", "1,2", "--report", dir.path],
                                   limit: .seconds(180))
        #expect(run.status == 0, "\(run)")
        let rows = run.stdout.split(separator: "\n").map(String.init)
        let header = try #require(rows.firstIndex { $0.hasPrefix("level  workers  flows") }, "\(run)")
        for (i, workers) in [1, 2].enumerated() {
            let cells = rows[header + 1 + i].split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            // level, workers, flows, passed, failed, then "N found, 0 missing", wrong recipients.
            #expect(Array(cells.prefix(5)) == ["\(i + 1)", "\(workers)", "\(workers)", "\(workers)", "0"], "\(rows[header + 1 + i])")
            #expect(cells[6] == "found," && cells[7] == "0" && cells[8] == "missing" && cells[9] == "0", "\(rows[header + 1 + i])")
        }
        #expect(run.stdout.contains("2 levels, 3 flows: all passed"), "\(run)")
        // Every flow is in the report, each with actors of its own; the load section has a level per level, with its
        // histograms as buckets that add up to its counts, and the report matches its schema.
        let report = try Report.load(dir)
        #expect(report.contracts.count == 3)
        #expect(report.exitCode == 0)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any]
        let levels = try #require((json?["load"] as? [String: Any])?["levels"] as? [[String: Any]])
        #expect(levels.compactMap { $0["workers"] as? Int } == [1, 2])
        for level in levels {
            let http = try #require(level["http"] as? [String: Any])
            let buckets = try #require(http["histogram"] as? [[Int]])
            #expect(buckets.map { $0[1] }.reduce(0, +) == http["count"] as? Int, "\(http)")
            #expect((http["count"] as? Int ?? 0) > 0)
        }
        try await validateAgainstSchema(dir)
        // The Markdown and HTML reports have their load section too.
        let md = try String(contentsOf: dir.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(md.contains("### Load") && md.contains("| 2 | 2 | 2 | 2 | 0 |"), "\(md)")
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<section class=\"load\" id=\"load\">") && html.contains("<svg class=\"load-chart\""))
    }

    @Test("a backend that notifies the wrong seller fails the run with exit 1, counting the wrong recipients at each level")
    func wrongRecipients() async throws {
        let run = try await herald(["demo", "--defect", "wrong-recipient", "--contracts", Self.contract, "--concurrency", "2"],
                                   limit: .seconds(180))
        #expect(run.status == 1, "\(run)")
        #expect(run.stdout.contains("level with 2 workers: 2 of 2 flows did not pass"), "\(run)")
        #expect(run.stdout.contains("[wrong-recipient]"), "\(run)")
        #expect(run.stdout.contains("1 level, 2 flows: 2 did not pass, 2 wrong recipients (first at 2 workers)"), "\(run)")
    }

    @Test("a threshold a level breaks fails the run with exit 1, naming the threshold, the level and the figure")
    func thresholdBreach() async throws {
        let run = try await herald(["demo", "--contracts", Self.contract, "--concurrency", "1",
                                    "--threshold", "http.max<1us", "--threshold", "wrong_recipients==0"], limit: .seconds(180))
        #expect(run.status == 1, "\(run)")
        #expect(run.stdout.contains("✘ threshold http.max<1us broken at level 1 (1 worker): "), "\(run)")
        #expect(!run.stdout.contains("threshold wrong_recipients==0 broken"), "\(run)")
        #expect(run.stdout.contains("saturation point: level 1 (1 worker)"), "\(run)")
        #expect(run.stdout.contains("1 level, 1 flow: all passed; 1 threshold breach"), "\(run)")
    }

    @Test("a defect only concurrency reveals: green at one worker, a wrong recipient across flows at two, exit 1")
    func crossTalk() async throws {
        let run = try await herald(["demo", "--defect", "cross-talk", "--contracts", Self.contract, "--concurrency", "1,2"],
                                   limit: .seconds(180))
        #expect(run.status == 1, "\(run)")
        let rows = run.stdout.split(separator: "\n").map(String.init)
        let header = try #require(rows.firstIndex { $0.hasPrefix("level  workers  flows") }, "\(run)")
        let first = rows[header + 1].split(separator: " ").map(String.init)
        #expect(Array(first.prefix(5)) == ["1", "1", "1", "1", "0"], "one worker never overlaps itself: \(rows[header + 1])")
        #expect(run.stdout.contains("level with 2 workers: "), "\(run)")
        #expect(run.stdout.contains("[wrong-recipient]"), "\(run)")
        #expect(run.stdout.contains("wrong recipient in another flow: worker "), "\(run)")
        #expect(run.stdout.contains("(first at 2 workers)"), "\(run)")
    }

    /// The demo's contract files, in the order a run takes them.
    static func demoContracts() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Paths.root.appendingPathComponent("contracts").path)
            .filter { $0.hasSuffix(".yaml") }.sorted().map { "contracts/\($0)" }
    }

    /// The contract files of the console's result lines, in the order they are printed.
    static func reported(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").filter { $0.hasPrefix("✔ ") || $0.hasPrefix("✘ ") }.compactMap { $0.split(separator: " ").last.map(String.init) }
    }

    @Test("--jobs 2 runs the demo's contracts side by side with the same verdicts, reported in their order")
    func jobs() async throws {
        let run = try await herald(["demo", "--jobs", "2"], limit: .seconds(180))
        #expect(run.status == 0, "\(run)")
        let all = try Self.demoContracts()
        #expect(Self.reported(run.stdout) == all, "the contracts' order, whichever ended first\n\(run)")
        #expect(run.stdout.contains("\(all.count) of \(all.count) contracts passed"), "\(run)")
    }

    @Test("--repeat 2: a steady contract passes both runs; a defect fails every run with its reason and exit 1")
    func repeatRuns() async throws {
        let clean = try await herald(["demo", "--contracts", Self.contract, "--repeat", "2"], limit: .seconds(180))
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stdout.contains("✔ accepted offer notifies only the chosen seller  (passed 2 of 2 runs)"), "\(clean)")
        #expect(clean.stdout.contains("1 of 1 contract passed every one of 2 runs"), "\(clean)")
        let broken = try await herald(["demo", "--defect", "wrong-recipient", "--contracts", Self.contract, "--repeat", "2"],
                                      limit: .seconds(180))
        #expect(broken.status == 1, "\(broken)")
        #expect(broken.stdout.contains("(failed all 2 runs)"), "\(broken)")
        #expect(broken.stdout.contains("passed 0 of 2 (wrong-recipient)"), "\(broken)")
    }

    @Test("two shards of a load run, merged, count what one run counts: flows, checkpoints and HTTP calls per level")
    func shardsMerge() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        func run(_ extra: [String], into name: String) async throws -> [[String: Any]] {
            let out = dir.appendingPathComponent(name)
            let r = try await herald(["demo", "--contracts", Self.contract, "--concurrency", "1,2", "--report", out.path] + extra,
                                     limit: .seconds(180))
            #expect(r.status == 0, "\(r)")
            return try levels(of: out)
        }
        func levels(of folder: URL) throws -> [[String: Any]] {
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("report.json"))) as? [String: Any]
            return try #require((json?["load"] as? [String: Any])?["levels"] as? [[String: Any]])
        }
        let single = try await run([], into: "single")
        _ = try await run(["--shard", "1/2"], into: "a")
        _ = try await run(["--shard", "2/2"], into: "b")
        let merge = try await herald(["merge", dir.appendingPathComponent("a/report.json").path,
                                      dir.appendingPathComponent("b/report.json").path, "-o", dir.appendingPathComponent("merged").path])
        #expect(merge.status == 0, "\(merge)")
        #expect(merge.stdout.contains("merged 2 reports: 3 of 3 contracts passed"), "\(merge)")
        let merged = try levels(of: dir.appendingPathComponent("merged"))
        func counts(_ l: [String: Any]) -> [Int] {
            [l["workers"] as? Int ?? -1, l["flows"] as? Int ?? -1, l["passed"] as? Int ?? -1,
             (l["checkpoints"] as? [String: Any])?["found"] as? Int ?? -1, (l["http"] as? [String: Any])?["count"] as? Int ?? -1]
        }
        #expect(merged.map(counts) == single.map(counts), "merged \(merged.map(counts)), single \(single.map(counts))")
        let mergedReport = dir.appendingPathComponent("merged")
        try await validateAgainstSchema(mergedReport)
        // The merged run in every format: its three flows, its levels, its load section.
        let md = try String(contentsOf: mergedReport.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(md.hasPrefix("## ✅ Herald: passed") && md.contains("### Load") && md.contains("| 2 | 2 | 2 | 2 | 0 |"), "\(md)")
        let html = try String(contentsOf: mergedReport.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<svg class=\"load-chart\"") && html.components(separatedBy: "class=\"contract").count > 3)
        let junit = try String(contentsOf: mergedReport.appendingPathComponent("junit.xml"), encoding: .utf8)
        // A testsuite per flow, and one for the levels' thresholds: the contract's latency: bound.
        #expect(junit.components(separatedBy: "<testsuite ").count - 1 == 4, "\(junit.prefix(400))")
        #expect(junit.contains("<testcase name=\"step 5 › recipients #1 latency p95&lt;=2s at level 2 (2 workers)\""), "\(junit)")
    }

    @Test("a plain run's shard runs its part of the contracts: 2/2 takes the second, fourth, … of the demo's")
    func plainShard() async throws {
        let run = try await herald(["demo", "--shard", "2/2"], limit: .seconds(180))
        #expect(run.status == 0, "\(run)")
        let mine = try Self.demoContracts().enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
        #expect(!mine.isEmpty && Self.reported(run.stdout) == mine, "\(run)")
        #expect(run.stdout.contains("\(mine.count) of \(mine.count) contract"), "\(run)")
    }

    @Test("a contract's load: block makes a load run and its thresholds: hold its levels; flags win")
    func declaredLoad() async throws {
        let fixture = "Tests/Fixtures/run/load-block.yaml"
        let clean = try await herald(["demo", "--contracts", fixture], limit: .seconds(180))
        #expect(clean.status == 0, "\(clean)")
        #expect(clean.stdout.contains("thresholds held at every level: wrong_recipients==0, flows.failed==0"), "\(clean)")
        #expect(clean.stdout.contains("2 levels, 3 flows: all passed"), "\(clean)")
        let flag = try await herald(["demo", "--contracts", fixture, "--concurrency", "1"], limit: .seconds(180))
        #expect(flag.stdout.contains("1 level, 1 flow: all passed"), "--concurrency wins over load: \(flag)")
        let crossed = try await herald(["demo", "--defect", "cross-talk", "--contracts", fixture], limit: .seconds(180))
        #expect(crossed.status == 1, "\(crossed)")
        #expect(crossed.stdout.contains("✘ threshold wrong_recipients==0 broken at level 2 (2 workers)"), "\(crossed)")
        #expect(crossed.stdout.contains("saturation point: level 2 (2 workers)"), "\(crossed)")
    }

    @Test("--rate starts flows on a schedule: a row per rate with late and dropped starts, the flows' time from their schedule in report.json")
    func openModel() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await herald(["demo", "--contracts", Self.contract, "--rate", "3/1s", "--report", dir.path,
                                    "--threshold", "flows.dropped==0"], limit: .seconds(180))
        #expect(run.status == 0, "\(run)")
        let rows = run.stdout.split(separator: "\n").map(String.init)
        let header = try #require(rows.firstIndex { $0.hasPrefix("level  rate  most under way  flows  passed  failed  late  dropped") }, "\(run)")
        let cells = rows[header + 1].split(separator: " ").map(String.init)
        #expect(cells[0] == "1" && cells[1] == "3/1s" && cells[3] == "3" && cells[4] == "3" && cells[5] == "0", "\(rows[header + 1])")
        #expect(run.stdout.contains("flow from its scheduled start"), "\(run)")
        #expect(run.stdout.contains("1 level, 3 flows: all passed"), "\(run)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any]
        let level = try #require(((json?["load"] as? [String: Any])?["levels"] as? [[String: Any]])?.first)
        #expect(level["rate"] as? String == "3/1s" && level["dropped"] as? Int == 0 && level["late"] is Int, "\(level)")
        let flow = try #require(level["flow"] as? [String: Any]), scheduled = try #require(level["scheduled"] as? [String: Any])
        #expect(flow["count"] as? Int == 3 && scheduled["count"] as? Int == 3)
        #expect((scheduled["maxMs"] as? Double ?? 0) >= (flow["p50Ms"] as? Double ?? .infinity), "from the schedule is never shorter")
        try await validateAgainstSchema(dir)
    }

    @Test("a 429 with Retry-After is waited out and counted; a step that asserts the 429 gets it")
    func throttled() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await herald(["demo", "--contracts", "Tests/Fixtures/run/throttled.yaml", "--concurrency", "1",
                                    "--report", dir.path], limit: .seconds(180))
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("429 waited out"), "\(run)")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any]
        let level = try #require(((json?["load"] as? [String: Any])?["levels"] as? [[String: Any]])?.first)
        #expect(level["throttled"] as? Int == 1, "\(level)")
        let timeline = try #require(((json?["contracts"] as? [[String: Any]])?.first)?["timeline"] as? [[String: Any]])
        let responses = timeline.compactMap { entry -> [String: Any]? in
            guard let event = entry["event"] as? [String: Any], event["type"] as? String == "response" else { return nil }
            return event["data"] as? [String: Any]
        }
        #expect(responses.compactMap { $0["retryAfterMs"] as? Double } == [1000], "\(responses.map { $0["status"] ?? "?" })")
        #expect(responses.filter { $0["status"] as? Int == 429 }.count == 2, "one waited out, one asserted")
        try await validateAgainstSchema(dir)
        // Run plainly too: the same contract passes without a load run.
        let plain = try await herald(["demo", "--contracts", "Tests/Fixtures/run/throttled.yaml"], limit: .seconds(180))
        #expect(plain.status == 0, "\(plain)")
    }

    @Test("latency: fails a plain run's slow delivery as slow (exit 1), and in a load run holds the percentile at each level, naming the expectation")
    func latencyBound() async throws {
        let fixture = "Tests/Fixtures/run/latency.yaml"
        let plain = try await herald(["demo", "--contracts", fixture], limit: .seconds(180))
        #expect(plain.status == 1, "\(plain)")
        #expect(plain.stdout.contains("[slow]") && plain.stdout.contains("slower than its latency: p95 1us"), "\(plain)")
        let load = try await herald(["demo", "--contracts", fixture, "--concurrency", "1"], limit: .seconds(180))
        #expect(load.status == 1, "\(load)")
        #expect(load.stdout.contains("1 level, 1 flow: all passed; 1 threshold breach"), "the flow passes, the level does not: \(load)")
        #expect(load.stdout.contains("✘ threshold step 2 › match #1 latency p95<=1us broken at level 1 (1 worker): "), "\(load)")
        let repeated = try await herald(["demo", "--contracts", fixture, "--repeat", "2"], limit: .seconds(180))
        #expect(repeated.status == 1, "\(repeated)")
        #expect(repeated.stdout.contains("✘ step 2 › match #1 latency p95<=1us over the 2 runs: "), "\(repeated)")
    }
}
