import Foundation
import HeraldCore
import Testing

/// What the reports and traces of real runs hold: every format, no secret, and something even after Ctrl-C.
@Suite("reports, traces and redaction", .serialized)
struct ReportOutputTests {
    /// The secrets the fixtures plant: a value from --env-file, a password field, a `redact:` field.
    static let planted = ["planted-env-file-key-7f3a9c", "hunter2-planted-password", "planted-nickname"]
    /// The demo backend's bearer tokens.
    static func hasToken(_ text: String) -> Bool { text.firstMatch(of: /tok-[0-9a-f]{32}/) != nil }

    @Test("no planted secret appears in any report, the trace or the console, for passing and failing contracts")
    func secretsNeverLeak() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("trace.jsonl").path
        let run = try await herald(["demo", "--contracts", "Tests/Fixtures/secrets",
                                    "--env-file", "Tests/Fixtures/secrets/planted.env",
                                    "--report", dir.appendingPathComponent("out").path, "--trace", trace, "-v"],
                                   environment: ["GITHUB_ACTIONS": "true"])
        #expect(run.status == 1, "one contract fails on purpose\n\(run)")
        #expect(run.stdout.contains("::error file="), "GitHub annotations are printed too: \(run)")

        var outputs: [(String, String)] = [("stdout", run.stdout), ("stderr", run.stderr)]
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path).sorted()
        #expect(files == ["junit.xml", "report.html", "report.json", "report.md"], "every format is written by default")
        for name in files {
            let data = try Data(contentsOf: dir.appendingPathComponent("out/\(name)"))
            outputs.append((name, String(decoding: data, as: UTF8.self)))
        }
        outputs.append(("trace", try String(contentsOfFile: trace, encoding: .utf8)))

        for (name, text) in outputs {
            for secret in Self.planted {
                #expect(!text.contains(secret), "\(name) holds the planted secret \(secret)")
            }
            #expect(!Self.hasToken(text), "\(name) holds a bearer token")
        }
        // Not vacuous: the secrets were sent and masked where they would have shown.
        let json = try #require(outputs.first { $0.0 == "report.json" }?.1)
        #expect(json.contains("lamp for •••"), "the env-file value was in a request body and a response")
        #expect(json.contains("Bearer •••"), "the Authorization header is recorded, masked")
        #expect(json.contains("\"password\":\"•••\"") || json.contains("\\\"password\\\":\\\"•••\\\""), "the password field is masked")
    }

    @Test("--format picks the report files")
    func formatSubset() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await herald(["run", "run/health-only.yaml", "--report", dir.path, "--format", "junit,md"],
                                   in: Paths.fixtures, environment: ["BASE_URL": "http://127.0.0.1:\(try closedPort())"])
        #expect(run.status == 3, "\(run)")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files == ["junit.xml", "report.md"], "an infrastructure error still writes the reports asked for")
        let bad = try await herald(["run", "run/health-only.yaml", "--report", dir.path, "--format", "pdf"], in: Paths.fixtures)
        #expect(bad.status == 64, "\(bad)")
        #expect(bad.stderr.contains("unknown report format 'pdf'"), "\(bad)")
    }

    @Test("Ctrl-C runs the cleanup, then writes every report and the trace, marked partial")
    func interruptStillReports() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("trace.jsonl")
        let herald = try RunningHerald(["demo", "--contracts", "Tests/Fixtures/run/interrupt.yaml",
                                        "--report", dir.appendingPathComponent("out").path, "--trace", trace.path])
        // Wait until the long step has begun, then press Ctrl-C.
        let started = ContinuousClock.now
        while ContinuousClock.now - started < .seconds(30) {
            if let text = try? String(contentsOf: trace, encoding: .utf8), text.contains("step 2: a long wait") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        herald.send(SIGINT)
        let run = await herald.finish(limit: .seconds(20))
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("interrupted"), "\(run)")
        #expect(run.elapsed < .seconds(30), "the 60 s sleep was cut short: \(run)")

        let report = try Report.load(dir.appendingPathComponent("out"))
        try await validateAgainstSchema(dir.appendingPathComponent("out"))
        let raw = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("out/report.json"))) as? [String: Any]
        #expect(raw?["partial"] as? Bool == true)
        #expect(raw?["interrupted"] as? Bool == true)
        #expect(report.contracts.first?.verdicts.contains { $0.kind == "status" && $0.outcome == "passed" } == true,
                "what ran before the interrupt is reported")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("out").path).sorted()
        #expect(files == ["junit.xml", "report.html", "report.json", "report.md"])

        let lines = try String(contentsOf: trace, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.contains("\"method\":\"DELETE\"") && $0.contains("/test/users/") }, "the cleanup ran")
        let end = try #require(lines.last)
        #expect(end.contains("\"type\":\"end\"") && end.contains("\"partial\":true"), "\(end)")
        for line in lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "not JSON: \(line)")
        }
    }

    @Test("tail prints a channel's frames live as one actor")
    func tail() async throws {
        // The demo backend of `herald demo` is not reachable from outside it; start one of its own.
        let demo = try await ServerProcess("herald-demo", ["--port", "0"])
        defer { demo.stop() }
        let url = demo.url
        let run = try await herald(["tail", "inbox", "--contract", "contracts/accepted-offer.yaml", "--as", "seller[1]",
                                    "--for", "1s"], environment: ["BASE_URL": url])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("seller[1]  inbox  connected"), "\(run)")
        #expect(run.stdout.contains("→ {\"action\":\"subscribe\"}"), "\(run)")
        #expect(run.stdout.contains("← {\"type\":\"subscribed\""), "\(run)")
        #expect(!Self.hasToken(run.stdout))

        let unknown = try await herald(["tail", "outbox", "--contract", "contracts/accepted-offer.yaml", "--as", "buyer",
                                        "--for", "1s"], environment: ["BASE_URL": url])
        #expect(unknown.status == 3, "\(unknown)")
        #expect(unknown.stderr.contains("no channel 'outbox'"), "\(unknown)")
    }

    @Test("--timeout stops a run that overstays: cleanup runs, the reports are written and marked partial, exit 3")
    func globalTimeout() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let run = try await herald(["demo", "--contracts", "Tests/Fixtures/run/interrupt.yaml", "--timeout", "3s",
                                    "--report", out.path], limit: .seconds(60))
        #expect(run.status == 3, "\(run)")
        #expect(run.stderr.contains("herald: the run passed its --timeout of 3s: stopping it, running cleanup and writing reports"), "\(run)")
        #expect(run.elapsed < .seconds(40), "the 60 s sleep was cut short: \(run)")
        let raw = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("report.json"))) as? [String: Any]
        #expect(raw?["partial"] as? Bool == true && raw?["exitCode"] as? Int == 3, "\(raw ?? [:])")
        let report = try Report.load(out)
        let timeline = try #require((raw?["contracts"] as? [[String: Any]])?.first?["timeline"] as? [[String: Any]])
        let deletes = timeline.filter { (($0["event"] as? [String: Any])?["data"] as? [String: Any])?["method"] as? String == "DELETE" }
        #expect(deletes.count == 1, "the cleanup ran")
        #expect(report.contracts.first?.verdicts.contains { $0.kind == "status" && $0.outcome == "passed" } == true)
    }
}
