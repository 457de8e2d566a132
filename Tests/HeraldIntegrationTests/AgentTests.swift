import Foundation
import HeraldCore
import Testing

/// `herald agent` driven as an orchestrator drives it, against the real demo backend.
///
/// Serialized: each test runs a demo backend and an agent, and the contracts allow one second per delivery.
@Suite("herald agent: the TestAgent API", .serialized)
struct AgentTests {
    static let orchestrator = Paths.fixtures.appendingPathComponent("agent/orchestrator.py").path

    /// Runs the orchestrator script against a fresh demo backend (with `defects`) and agent; returns what it saw.
    private func orchestrate(defects: [String]) async throws -> [String: Any] {
        let demo = try await ServerProcess("herald-demo", ["--port", "0"] + defects.flatMap { ["--defect", $0] })
        defer { demo.stop() }
        let agent = try await ServerProcess("herald", ["agent", "--port", "0", "--quiet", "contracts"],
                                            environment: ["BASE_URL": demo.url])
        defer { agent.stop() }
        return try await Self.orchestrator(agent: agent.url, demo: demo.url, mode: defects.first ?? "clean")
    }

    /// Runs the orchestrator script once (test id `it-MODE`, or `testID`) and returns what it saw.
    private static func orchestrator(agent: String, demo: String, mode: String, testID: String? = nil) async throws -> [String: Any] {
        let script = "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
        let (status, output) = try await python(script, [orchestrator, agent, demo, mode] + (testID.map { [$0] } ?? []),
                                                module: "json", limit: .seconds(120))
        #expect(status == 0, "the orchestrator failed:\n\(output)")
        guard let start = output.firstIndex(of: "{") else { throw SetupFailure("the orchestrator printed no JSON:\n\(output)") }
        return try #require(try JSONSerialization.jsonObject(with: Data(output[start...].utf8)) as? [String: Any], "\(output)")
    }

    @Test("three tests at once on one agent stay apart: each passes on its own actors and is cleaned up")
    func testsAtOnce() async throws {
        let demo = try await ServerProcess("herald-demo", ["--port", "0"])
        defer { demo.stop() }
        let agent = try await ServerProcess("herald", ["agent", "--port", "0", "--quiet", "contracts"], environment: ["BASE_URL": demo.url])
        defer { agent.stop() }
        typealias Seen = (report: String?, users: [Int]?, all: String)
        let seen = try await withThrowingTaskGroup(of: Seen.self) { group in
            for i in 1...3 {
                group.addTask {
                    let s = try await Self.orchestrator(agent: agent.url, demo: demo.url, mode: "clean", testID: "at-once-\(i)")
                    return ((s["report"] as? [String: Any])?["status"] as? String, s["users after cleanUp"] as? [Int], "\(s)")
                }
            }
            return try await group.reduce(into: [Seen]()) { $0.append($1) }
        }
        #expect(seen.count == 3)
        for s in seen {
            #expect(s.report == "PASS" && s.users == [404, 404, 404], "\(s.all)")
        }
    }

    @Test("prepare, update, two actions with their callbacks, verify all PASS, clean-up twice: the users are gone")
    func cleanDemo() async throws {
        let seen = try await orchestrate(defects: [])
        let report = try #require(seen["report"] as? [String: Any])
        #expect(report["status"] as? String == "PASS", "\(seen)")
        #expect((report["results"] as? Int ?? 0) >= 10, "\(seen)")
        let notified = try #require(seen["notifications"] as? [[String]])
        #expect(notified.map { $0[2] } == ["PASS", "PASS"], "\(seen)")
        #expect(seen["users after cleanUp"] as? [Int] == [404, 404, 404], "\(seen)")
    }

    @Test("with --defect wrong-recipient the report FAILs naming the rejected seller, with the frame, and so does the callback")
    func wrongRecipient() async throws {
        let seen = try await orchestrate(defects: ["wrong-recipient"])
        let report = try #require(seen["report"] as? [String: Any])
        #expect(report["status"] as? String == "FAIL", "\(seen)")
        let failed = try #require(report["failed"] as? [[Any]])
        #expect(failed.count == 1, "\(seen)")
        let message = failed.first?[1] as? String ?? ""
        #expect(failed.first?[0] as? String == "recipients" && message.contains("wrong recipient: seller[0]"), "\(seen)")
        let evidence = failed.first?[2] as? [String] ?? []
        #expect(evidence.contains { $0.hasPrefix("unexpected · actor seller[0] · channel inbox") && $0.contains("offer.accepted") },
                "\(evidence)")
        let notified = try #require(seen["notifications"] as? [[String]])
        #expect(notified.map { $0[2] } == ["PASS", "FAIL"], "\(seen)")
    }

    @Test("SIGTERM cleans up the tests still open and exits 0")
    func sigtermCleansUp() async throws {
        let demo = try await ServerProcess("herald-demo", ["--port", "0"])
        defer { demo.stop() }
        let agent = try await ServerProcess("herald", ["agent", "--port", "0", "--quiet", "contracts"], environment: ["BASE_URL": demo.url])
        defer { agent.stop() }
        let prepare = """
            import json, sys, urllib.request
            r = urllib.request.Request(sys.argv[1] + "/api/tests/open-one", method="PUT",
                                       data=json.dumps({"testCase": "agent-offer"}).encode())
            d = json.load(urllib.request.urlopen(r, timeout=60))
            print(" ".join([d["status"], d["data"]["buyerId"]] + d["data"]["sellerIds"]))
            """
        let (status, output) = try await python(prepare, [agent.url], module: "json")
        let words = output.split(whereSeparator: \.isWhitespace).map(String.init)
        #expect(status == 0 && words.first == "PREPARED" && words.count == 4, "\(output)")
        kill(agent.process.processIdentifier, SIGTERM)
        #expect(await ChildProcess.wait(for: agent.process, timeout: .seconds(60)), "the agent still ran 60 s after SIGTERM")
        #expect(agent.process.terminationStatus == 0)
        let gone = """
            import sys, urllib.request, urllib.error
            for user in sys.argv[2:]:
                try:
                    urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/test/users/" + user, method="DELETE"), timeout=30)
                    print("still there:", user)
                except urllib.error.HTTPError as e:
                    print(e.code)
            """
        let (_, deleted) = try await python(gone, [demo.url] + words.dropFirst(), module: "urllib")
        #expect(deleted.split(separator: "\n") == ["404", "404", "404"], "the cleanup steps ran: \(deleted)")
    }

    @Test("a preparation against an unreachable backend is FAILED with why; its actions are refused (409); verify FAILs; cleanUp works")
    func failedPreparation() async throws {
        let agent = try await ServerProcess("herald", ["agent", "--port", "0", "--quiet", "contracts"],
                                            environment: ["BASE_URL": "http://127.0.0.1:\(try closedPort())"])
        defer { agent.stop() }
        let script = """
            import json, sys, urllib.request, urllib.error
            def call(method, path, body=None):
                r = urllib.request.Request(sys.argv[1] + path, method=method, data=None if body is None else json.dumps(body).encode())
                try:
                    with urllib.request.urlopen(r, timeout=60) as a:
                        raw = a.read()
                        return a.status, json.loads(raw) if raw else None
                except urllib.error.HTTPError as e:
                    return e.code, json.loads(e.read())
            s, p = call("PUT", "/api/tests/down", {"testCase": "agent-offer"})
            print(s, p["status"], "|", (p.get("message") or "").replace("\\n", " "))
            s, a = call("POST", "/api/tests/down/actions", {"action": "createRequest"})
            print(s, a["detail"])
            s, r = call("GET", "/api/tests/down/report")
            print(s, r["status"], "|", (r.get("message") or "").replace("\\n", " "))
            print(call("DELETE", "/api/tests/down")[0])
            """
        let (status, output) = try await python(script, [agent.url], module: "json", limit: .seconds(120))
        let lines = output.split(separator: "\n").map(String.init)
        #expect(status == 0 && lines.count == 4, "\(output)")
        #expect(lines.first?.hasPrefix("200 FAILED | ") == true && output.contains("is not healthy"), "\(output)")
        #expect(lines.dropFirst().first?.hasPrefix("409 test 'down' failed its preparation") == true, "\(output)")
        #expect(lines.dropFirst(2).first?.hasPrefix("200 FAIL | ") == true, "\(output)")
        #expect(lines.last == "204", "\(output)")
    }

    @Test("a clean-up that comes while its test is still being prepared waits for the preparation, then cleans it up")
    func cleanUpDuringPrepare() async throws {
        // A "backend" that takes the health check's connection and never answers: the preparation is under way, and
        // takes until the contract's health timeout, for as long as the test needs to send its DELETE.
        let script = """
            import json, socket, sys, threading, urllib.request, urllib.error
            agent = sys.argv[1]
            listener = socket.socket(); listener.bind(("127.0.0.1", int(sys.argv[2]))); listener.listen(16)
            asked = threading.Event()
            held = []
            def accept():
                while True:
                    connection, _ = listener.accept(); held.append(connection); asked.set()
            threading.Thread(target=accept, daemon=True).start()
            def call(method, path, body=None):
                r = urllib.request.Request(agent + path, method=method, data=None if body is None else json.dumps(body).encode())
                try:
                    with urllib.request.urlopen(r, timeout=60) as a: return a.status
                except urllib.error.HTTPError as e: return e.code
            done = {}
            def prepare():
                done["prepare"] = call("PUT", "/api/tests/slow", {"testCase": "agent-offer"})
            t = threading.Thread(target=prepare); t.start()
            if not asked.wait(30): sys.exit("the preparation never reached the backend")
            deleted = call("DELETE", "/api/tests/slow")
            t.join(60)
            print(done.get("prepare"), deleted, call("GET", "/api/tests/slow/report"))
            """
        let port = try LoopbackPort.free()
        let agent = try await ServerProcess("herald", ["agent", "--port", "0", "--quiet", "contracts"],
                                            environment: ["BASE_URL": "http://127.0.0.1:\(port)"])
        defer { agent.stop() }
        let (status, output) = try await python(script, [agent.url, "\(port)"], module: "json", limit: .seconds(120))
        // The preparation failed (no healthy backend), and the DELETE that came meanwhile cleaned the test up once it
        // was registered: it is gone (a clean-up that did not wait would have found nothing, and left it there: 200).
        #expect(status == 0 && output.trimmingCharacters(in: .whitespacesAndNewlines) == "200 204 404", "\(output)")
    }

    @Test("a token guards every request; another address than loopback needs one; an invalid contract is exit 2")
    func tokenAndStartErrors() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokenFile = dir.appendingPathComponent("token")
        try "s3cret-agent-token\n".write(to: tokenFile, atomically: true, encoding: .utf8)
        let agent = try await ServerProcess("herald", ["agent", "--port", "0", "--quiet", "--token-file", tokenFile.path, "contracts"])
        defer { agent.stop() }
        let probe = """
            import sys, urllib.request, urllib.error
            for token in ["", "wrong", "s3cret-agent-token"]:
                r = urllib.request.Request(sys.argv[1] + "/api/tests/nobody/report")
                if token: r.add_header("Authorization", "Bearer " + token)
                try:
                    print(urllib.request.urlopen(r, timeout=30).status)
                except urllib.error.HTTPError as e:
                    print(e.code, e.headers.get("Content-Type"))
            """
        let (_, answers) = try await python(probe, [agent.url], module: "urllib")
        #expect(answers.split(separator: "\n") == ["401 application/problem+json", "401 application/problem+json",
                                                   "404 application/problem+json"], "\(answers)")

        let open = try await herald(["agent", "--host", "0.0.0.0", "--port", "0", "contracts"], limit: .seconds(30))
        #expect(open.status == 3 && open.stderr.contains("--token-file"), "\(open)")

        let bad = dir.appendingPathComponent("bad.yaml")
        try "contract: broken\nsteps:\n  - htp: GET api /\n".write(to: bad, atomically: true, encoding: .utf8)
        let invalid = try await herald(["agent", "--port", "0", bad.path], limit: .seconds(30))
        #expect(invalid.status == 2 && invalid.stderr.contains("bad.yaml:3:"), "\(invalid)")
    }
}
