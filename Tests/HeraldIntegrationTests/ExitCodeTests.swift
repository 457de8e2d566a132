import Foundation
import HeraldCore
import Testing

/// Exit codes and messages of the built `herald` for bad input and broken infrastructure.
@Suite("herald exit codes")
struct ExitCodeTests {
    /// The broken contracts in Tests/Fixtures/invalid, each beside the output `herald validate` must print.
    static let invalidContracts: [String] = {
        let dir = Paths.fixtures.appendingPathComponent("invalid")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test("there are broken-contract fixtures to check")
    func fixturesExist() {
        #expect(Self.invalidContracts.count >= 5, "Tests/Fixtures/invalid holds \(Self.invalidContracts)")
    }

    /// Set `HERALD_UPDATE_SNAPSHOTS=1` to rewrite the `.expected` files from the current output.
    @Test("validate: a broken contract is exit 2 with file:line:col, what is wrong and a hint", arguments: invalidContracts)
    func invalidContract(_ name: String) async throws {
        let run = try await herald(["validate", "invalid/\(name)"], in: Paths.fixtures)
        #expect(run.status == 2, "\(run)")
        #expect(run.stdout.isEmpty, "diagnostics go to stderr: \(run)")
        let expectedFile = Paths.fixtures.appendingPathComponent("invalid/\(name.dropLast(5)).expected")
        if ProcessInfo.processInfo.environment["HERALD_UPDATE_SNAPSHOTS"] == "1" {
            try run.stderr.write(to: expectedFile, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: expectedFile, encoding: .utf8)
        #expect(run.stderr == expected)
        let first = try #require(run.stderr.split(separator: "\n").first)
        #expect(first.wholeMatch(of: /invalid\/[a-z-]+\.yaml:\d+:\d+: error: .+/) != nil, "\(first)")
        #expect(run.stderr.contains("\n  hint: "))
    }

    @Test("validate: an alias bomb (1 KiB unfolding into 10^10 values) is exit 2 at once, not minutes and gigabytes later")
    func aliasBomb() async throws {
        let run = try await herald(["validate", "invalid/alias-bomb.yaml"], in: Paths.fixtures, limit: .seconds(60))
        #expect(run.status == 2, "\(run)")
        #expect(run.elapsed < .seconds(10), "ten times the second it may take: \(run.elapsed)")
    }

    @Test("a WebSocket upgrade the server refuses (401 for a bad token) is exit 3, and the hint says to check the credentials")
    func refusedUpgrade() async throws {
        let run = try await herald(["demo", "--contracts", "Tests/Fixtures/run/refused-upgrade.yaml"], limit: .seconds(120))
        #expect(run.status == 3, "\(run)")
        let out = run.stdout + run.stderr
        #expect(out.contains("refused the WebSocket upgrade with HTTP 401"), "\(run)")
        #expect(out.contains("hint: the server refused the credentials: check the channel's headers (Authorization)"), "\(run)")
    }

    @Test("validate: the bundled contracts are valid")
    func bundledContractsAreValid() async throws {
        let run = try await herald(["validate", "contracts"])
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.contains("✔ contracts/accepted-offer.yaml"), "\(run)")
    }

    @Test("run: a service on a closed port is exit 3 within 10 s, naming the URL")
    func closedPort() async throws {
        let port = try HeraldIntegrationTests.closedPort()
        let run = try await herald(["run", "run/health-only.yaml"], in: Paths.fixtures,
                                   environment: ["BASE_URL": "http://127.0.0.1:\(port)"], limit: .seconds(20))
        #expect(run.status == 3, "\(run)")
        #expect(run.elapsed < .seconds(10), "\(run)")
        #expect((run.stdout + run.stderr).contains("127.0.0.1:\(port)"), "\(run)")
        #expect((run.stdout + run.stderr).contains("connection refused"), "\(run)")
    }

    @Test("run: a broker on a closed port is exit 3, naming the URL with its password masked",
          arguments: [("nats", "nats://herald:s3cret-pw@127.0.0.1"), ("redis", "redis://:s3cret-pw@127.0.0.1"),
                      ("mqtt", "mqtt://herald:s3cret-pw@127.0.0.1")])
    func unreachableBroker(_ kind: String, _ base: String) async throws {
        let port = try HeraldIntegrationTests.closedPort()
        let run = try await herald(["run", "run/broker-\(kind).yaml"], in: Paths.fixtures,
                                   environment: ["BROKER_URL": "\(base):\(port)"], limit: .seconds(20))
        let output = run.stdout + run.stderr
        #expect(run.status == 3, "\(run)")
        #expect(run.elapsed < .seconds(10), "\(run)")
        #expect(output.contains("127.0.0.1:\(port)"), "\(run)")
        #expect(output.contains("refused"), "\(run)")
        #expect(!output.contains("s3cret-pw"), "the password is masked: \(run)")
    }

    @Test("run: an unknown host is exit 3")
    func unknownHost() async throws {
        let run = try await herald(["run", "run/health-only.yaml"], in: Paths.fixtures,
                                   environment: ["BASE_URL": "http://herald-no-such-host.invalid:8080"], limit: .seconds(30))
        #expect(run.status == 3, "\(run)")
        #expect((run.stdout + run.stderr).contains("herald-no-such-host.invalid"), "\(run)")
    }

    @Test("run: a WebSocket that drops mid-run is exit 3 and the drop is named, without waiting out every timeout")
    func droppedConnection() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await herald(["demo", "--contracts", "Tests/Fixtures/run/dropped.yaml", "--report", dir.path],
                                   limit: .seconds(30))
        #expect(run.status == 3, "\(run)")
        #expect(run.elapsed < .seconds(15), "\(run)")
        #expect((run.stdout + run.stderr).contains("dropped"), "\(run)")
        let report = try Report.load(dir)
        #expect(report.status == "infrastructure_error")
        let infra = try #require(report.contracts.first?.infrastructureError)
        #expect(infra.contains("channel 'inbox'"), "\(infra)")
        #expect(report.contracts.flatMap(\.verdicts).contains { $0.kind == "connection" && $0.outcome == "failed" },
                "the drop is a verdict too")
    }

    @Test("run: a broker that restarts mid-run is on the timeline, ends the contract with a connection verdict, and is exit 3")
    func brokerRestart() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await withLocalBroker(.nats) { broker in
            let trace = dir.appendingPathComponent("trace.jsonl")
            let run = try RunningHerald(["run", "run/broker-restart.yaml", "--report", dir.path, "--trace", trace.path],
                                        in: Paths.fixtures, environment: ["NATS_URL": broker.url])
            // The first step takes milliseconds; the second sleeps 3 s: restart the broker once it has begun.
            try await waitUntil("the second step started", within: .seconds(30)) {
                (try? String(contentsOf: trace, encoding: .utf8))?.contains("a long wait, during which the broker restarts") == true
            }
            broker.kill()
            try await Task.sleep(for: .milliseconds(300))
            try await broker.restart()
            let finished = await run.finish(limit: .seconds(30))
            #expect(finished.status == 3, "\(finished)")
            #expect((finished.stdout + finished.stderr).contains("NATS connection lost"), "\(finished)")
            let report = try Report.load(dir)
            let verdicts = report.contracts.flatMap(\.verdicts)
            #expect(verdicts.contains { $0.kind == "match" && $0.outcome == "passed" }, "the step before the restart passed")
            #expect(verdicts.contains { $0.kind == "connection" && $0.outcome == "failed" && $0.reason == "connection-dropped" },
                    "\(verdicts.map { "\($0.kind) \($0.outcome)" })")
            #expect(!verdicts.contains { $0.message.contains("order.paid") }, "the contract ended before the late step")
            let json = try String(contentsOf: dir.appendingPathComponent("report.json"), encoding: .utf8)
            #expect(json.contains("NATS connection lost"), "the drop is on the timeline, with its reason")
            #expect(json.contains("(reconnected)"), "and so is the reconnection")
        }
    }

    @Test("run: an unknown subcommand option is a usage error, not a crash")
    func usageError() async throws {
        let run = try await herald(["run", "--no-such-flag"])
        #expect(run.status == 64, "\(run)")
        #expect(run.stderr.contains("--no-such-flag"), "\(run)")
    }
}

/// `shell:` steps keep their deadline.
@Suite("herald shell steps")
struct ShellStepTests {
    @Test("a shell step past its timeout is stopped with everything it started, and fails as a timeout")
    func shellTimeout() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try await herald(["run", "run/shell-timeout.yaml", "--report", dir.path], in: Paths.fixtures,
                                   limit: .seconds(30))
        #expect(run.status == 1, "\(run)")
        #expect(run.elapsed < .seconds(10), "the background sleep must not hold the step: \(run)")
        #expect(run.stdout.contains("command [timeout]"), "\(run)")
        #expect(!run.stdout.contains("never"), "the shell was stopped before its echo: \(run)")
        let report = try Report.load(dir)
        let verdicts = report.contracts.flatMap(\.verdicts)
        #expect(verdicts.count == 1, "the step after the failed one did not run: \(verdicts.map(\.message))")
    }
}
