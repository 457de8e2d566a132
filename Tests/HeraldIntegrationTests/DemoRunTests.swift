import Foundation
import HeraldCore
import Testing

/// `herald demo` end to end: the real binary starts the real demo backend and runs contracts/ over real sockets.
///
/// Serialized: each run takes a few seconds of both cores, and the contracts allow one second per delivery.
@Suite("herald demo against the demo backend", .serialized)
struct DemoRunTests {
    @Test("the clean backend passes every expectation, and the report holds every verdict")
    func cleanBackendPasses() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await herald(["demo", "--report", dir.path])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("✔ accepted offer notifies only the chosen seller"), "\(run)")
        #expect(run.stdout.contains("✔ an order travels across every channel, and its cache is invalidated"), "\(run)")

        let report = try Report.load(dir)
        #expect(report.status == "passed")
        #expect(report.exitCode == 0)
        #expect(report.summary.failed == 0)
        #expect(report.summary.expectations == report.summary.passed)
        let verdicts = report.contracts.flatMap(\.verdicts)
        #expect(verdicts.count >= 30, "every status, body, poll and event expectation has a verdict")
        for kind in ["status", "body", "poll", "match", "sequence", "count", "absent", "recipients", "cache"] {
            #expect(verdicts.contains { $0.kind == kind }, "no \(kind) verdict in the report")
        }
        // What the market feed pushes on connect passes, judged from the connection: the welcome, the binary snapshot
        // (UTF-8, matched as text) and the binary heartbeat (not UTF-8, matched in its base64: form).
        let greeted = verdicts.filter { $0.step.contains("greets each actor as it connects") }
        #expect(greeted.count == 2 && greeted.allSatisfy { $0.outcome == "passed" }, "\(greeted.map { "\($0.kind) \($0.outcome): \($0.message)" })")
        let frames = report.contracts.flatMap(\.timeline).filter { $0.channel == "market" && $0.type == "frame" }
        #expect(frames.contains { $0.text?.hasPrefix("MSG market.snapshot 1 ") == true && $0.binary == true },
                "the binary snapshot is shown as its text")
        #expect(frames.contains { $0.text == "base64:AP8B" && $0.binary == true }, "the heartbeat is shown in its base64: form")
        // A passing recipients verdict names the frame per recipient, with its latency.
        let accepted = try #require(verdicts.first { $0.kind == "recipients" && $0.message.contains("offer.accepted") })
        #expect(accepted.evidence.contains { $0.role == "matched" && $0.actor == "seller[1]" && $0.sinceTriggerMs != nil })
        #expect(accepted.latencyMs != nil)
        try await validateAgainstSchema(dir)
        // No signing secret, signed assertion or issued device token shows in any report.
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            #expect(text.firstMatch(of: /eyJ[A-Za-z0-9_-]{10,}|dsec-|whsec-|dev-[0-9a-f]{32}/) == nil, "a secret or token in \(file)")
        }
        // The timeline has the requests, the responses and the frames of every actor.
        let timeline = report.contracts.flatMap(\.timeline)
        #expect(Set(timeline.compactMap(\.actor)).isSuperset(of: ["buyer", "seller[0]", "seller[1]", "seller[2]"]))
    }

    /// A defect of the demo backend and the verdict that must catch it.
    struct Case: CustomTestStringConvertible, Sendable {
        var defect: String
        var kind: String
        var reason: String
        /// An actor that appears in the failing verdict's evidence (`nil`: evidence that belongs to nobody, a cache value).
        var actor: String?
        /// The evidence role that shows it.
        var role: String
        /// The channel of the failing verdict's evidence, when it matters.
        var channel: String? = nil
        var testDescription: String { "--defect \(defect) → \(kind) [\(reason)]\(channel.map { " on \($0)" } ?? "")" }
    }

    static let defects: [Case] = [
        Case(defect: "wrong-recipient", kind: "recipients", reason: "wrong-recipient", actor: "seller[0]", role: "unexpected"),
        Case(defect: "missing-event", kind: "sequence", reason: "missing", actor: "buyer", role: "nearest"),
        Case(defect: "reorder", kind: "sequence", reason: "out-of-order", actor: "buyer", role: "observed"),
        Case(defect: "duplicate", kind: "count", reason: "duplicate", actor: "seller[1]", role: "unexpected"),
        Case(defect: "slow", kind: "recipients", reason: "late", actor: "seller[1]", role: "matched"),
        Case(defect: "stale-cache", kind: "cache", reason: "stale", actor: nil, role: "nearest"),
        Case(defect: "wrong-topic", kind: "recipients", reason: "wrong-recipient", actor: "seller[0]", role: "unexpected", channel: "phone"),
        // Judged from the connection (from: connect): the snapshot that came instead is the nearest frame.
        Case(defect: "no-welcome", kind: "sequence", reason: "missing", actor: "buyer", role: "nearest", channel: "market"),
        // A connection that must be refused was accepted: the evidence is where it connected.
        Case(defect: "open-stream", kind: "connection", reason: "unexpected", actor: nil, role: "unexpected", channel: "forged"),
        // The backend's database (contracts/rows-written.yaml): a row that never comes, a row with the wrong value.
        Case(defect: "missing-row", kind: "poll", reason: "timeout", actor: nil, role: "observed"),
        Case(defect: "wrong-amount", kind: "query", reason: "mismatch", actor: nil, role: "observed"),
        // A job that skips a state (contracts/job-lifecycle.yaml): the poll never sees it, and the owner never hears it.
        Case(defect: "skipped-state", kind: "poll", reason: "mismatch", actor: nil, role: "observed"),
        Case(defect: "skipped-state", kind: "sequence", reason: "missing", actor: "owner", role: "nearest"),
        // Device auth and webhooks (contracts/device-and-webhook.yaml): a token that never expires, a forged signature let in.
        Case(defect: "accepts-expired", kind: "poll", reason: "timeout", actor: nil, role: "observed"),
        Case(defect: "unsigned-webhook", kind: "status", reason: "mismatch", actor: nil, role: "observed"),
    ]

    @Test("each defect turns the run red with the right verdict", arguments: defects)
    func defectIsCaught(_ c: Case) async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await herald(["demo", "--defect", c.defect, "--report", dir.path])
        #expect(run.status == 1, "\(run)")
        #expect(run.stdout.contains("\(c.kind) [\(c.reason)]"), "the console names the verdict\n\(run)")

        let report = try Report.load(dir)
        #expect(report.status == "failed")
        let failed = report.contracts.flatMap(\.verdicts).filter { $0.outcome == "failed" }
        let verdict = try #require(failed.first { v in
            v.kind == c.kind && v.reason == c.reason && (c.channel == nil || v.evidence.contains { $0.channel == c.channel })
        }, "no \(c.kind) [\(c.reason)] among \(failed.map { "\($0.kind) [\($0.reason ?? "-")]" })")
        #expect(verdict.evidence.contains { $0.role == c.role && $0.actor == c.actor },
                "evidence: \(verdict.evidence.map { "\($0.role) \($0.actor ?? "-")" })")
        #expect(verdict.location != nil, "a failed verdict points at its line in the contract")
        #expect(report.contracts.allSatisfy { $0.infrastructureError == nil })
    }

    @Test("herald demo knows every defect herald-demo has")
    func defectListsAgree() async throws {
        let demo = Process()
        demo.executableURL = try Paths.binaries().appendingPathComponent("herald-demo")
        demo.arguments = ["--help"]
        let pipe = Pipe()
        demo.standardOutput = pipe
        let reader = Task { await ChildProcess.readToEnd(pipe.fileHandleForReading) }
        try ChildProcess.launch(demo)
        _ = await ChildProcess.wait(for: demo, timeout: .seconds(30))
        let help = String(decoding: await reader.value, as: UTF8.self)
        // herald-demo --help lists them as "  name: what it does", after "Defects".
        let backend = help.components(separatedBy: "Defects").last?.split(separator: "\n")
            .compactMap { line -> String? in
                let t = line.trimmingCharacters(in: .whitespaces)
                guard let colon = t.firstIndex(of: ":"), !t.hasPrefix("-") else { return nil }
                let name = t[..<colon]
                return name.allSatisfy { $0.isLowercase || $0 == "-" } ? String(name) : nil
            } ?? []
        #expect(backend.count >= 10, "\(help)")
        for defect in backend {
            let run = try await herald(["demo", "--defect", defect, "--contracts", "no-such-folder"], limit: .seconds(60))
            #expect(!run.stderr.contains("unknown defect"), "herald demo does not know '\(defect)': \(run)")
        }
    }

    @Test("the wrong-recipient evidence carries the frame the wrong seller received")
    func wrongRecipientEvidence() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await herald(["demo", "--defect", "wrong-recipient", "--report", dir.path])
        #expect(run.status == 1, "\(run)")
        let report = try Report.load(dir)
        let verdict = try #require(report.contracts.flatMap(\.verdicts).first { $0.reason == "wrong-recipient" })
        let frame = try #require(verdict.evidence.first { $0.role == "unexpected" })
        #expect(frame.actor == "seller[0]")
        #expect(frame.channel == "inbox")
        #expect(frame.text?.contains("\"offer.accepted\"") == true, "the frame itself: \(frame.text ?? "none")")
        #expect(frame.sinceTriggerMs != nil)
        // Only the wrong delivery is a failure: seller 1 still got its notification.
        #expect(verdict.evidence.contains { $0.role == "matched" && $0.actor == "seller[1]" })
        // The console shows it too, with the actor.
        #expect(run.stdout.contains("seller[0]"), "\(run)")
        // The same stray delivery is caught on every channel the notification travels: WebSocket, SSE and MQTT.
        let wrongOn = Set(report.contracts.flatMap(\.verdicts).filter { $0.reason == "wrong-recipient" }
            .flatMap(\.evidence).filter { $0.role == "unexpected" && $0.actor == "seller[0]" }.compactMap(\.channel))
        #expect(wrongOn == ["inbox", "feed", "phone"], "\(wrongOn)")
        try await validateAgainstSchema(dir)
    }
}

/// The parts of report.json the tests read.
struct Report: Decodable {
    struct Summary: Decodable {
        var expectations: Int
        var passed: Int
        var failed: Int
    }
    struct Location: Decodable {
        var file: String
        var line: Int
        var column: Int
    }
    struct Evidence: Decodable {
        var role: String
        var actor: String?
        var channel: String?
        var text: String?
        var sinceTriggerMs: Double?
    }
    struct Verdict: Decodable {
        var step: String
        var kind: String
        var outcome: String
        var reason: String?
        var message: String
        var location: Location?
        var evidence: [Evidence]
        var latencyMs: Double?
    }
    struct Entry: Decodable {
        var seq: Int
        var actor: String?
        var channel: String?
        var type: String
        /// A frame's text (`data.text`), for frames.
        var text: String?
        var binary: Bool?

        private enum Keys: String, CodingKey { case seq, actor, channel, event }
        private enum EventKeys: String, CodingKey { case type, data }
        private struct FrameData: Decodable {
            var text: String?
            var binary: Bool?
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            seq = try c.decode(Int.self, forKey: .seq)
            actor = try c.decodeIfPresent(String.self, forKey: .actor)
            channel = try c.decodeIfPresent(String.self, forKey: .channel)
            let event = try c.nestedContainer(keyedBy: EventKeys.self, forKey: .event)
            type = try event.decode(String.self, forKey: .type)
            // Notes carry a string, not an object.
            let data = type == "frame" ? try event.decode(FrameData.self, forKey: .data) : nil
            text = data?.text
            binary = data?.binary
        }
    }
    struct Contract: Decodable {
        var name: String
        var status: String
        var infrastructureError: String?
        var verdicts: [Verdict]
        var timeline: [Entry]
    }
    var schema: String
    var status: String
    var exitCode: Int
    var summary: Summary
    var contracts: [Contract]

    static func load(_ dir: URL) throws -> Report {
        let data = try Data(contentsOf: dir.appendingPathComponent("report.json"))
        let report = try JSONDecoder().decode(Report.self, from: data)
        #expect(report.schema == "herald.report/v1")
        return report
    }
}

/// Known gaps: reported, not failed, unless `--strict`.
@Suite("known gaps and --strict", .serialized)
struct KnownGapTests {
    static let contract = "Tests/Fixtures/run/known-gap.yaml"

    @Test("a known defect that shows up is a known gap: exit 0, and --strict makes it exit 1")
    func strictFailsKnownGaps() async throws {
        let lenient = try await herald(["demo", "--defect", "duplicate", "--contracts", Self.contract])
        #expect(lenient.status == 0, "\(lenient)")
        #expect(lenient.stdout.contains("known gap DEMO-1"), "\(lenient)")
        #expect(lenient.stdout.contains("count [duplicate]"), "the gap still shows its verdict: \(lenient)")

        let strict = try await herald(["demo", "--defect", "duplicate", "--contracts", Self.contract, "--strict"])
        #expect(strict.status == 1, "\(strict)")
        #expect(strict.stdout.contains("0 of 1 contract passed"), "\(strict)")
    }

    @Test("on the clean backend the same contract passes, also with --strict")
    func cleanPassesStrict() async throws {
        let run = try await herald(["demo", "--contracts", Self.contract, "--strict"])
        #expect(run.status == 0, "\(run)")
        #expect(!run.stdout.contains("~ known gap"), "\(run)")
        #expect(run.stdout.contains("known gap DEMO-1 no longer fails"), "a fixed gap is pointed out: \(run)")
    }
}
