import Foundation
import HeraldCore
import Testing

/// `herald run` with NATS, Redis and MQTT channels against real brokers the tests start: a message published to one
/// actor's subject or topic reaches that actor (green), and one published to the other actor's is a wrong recipient
/// (red), with the frame as evidence.
@Suite("broker channels end to end")
struct BrokerRunTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var kind: String
        var broker: LocalBroker
        /// The subject or topic of instance `i`, in the contract's syntax.
        var separator: String
        var testDescription: String { kind }
    }

    static let cases = [
        Case(kind: "nats", broker: .nats, separator: "."),
        Case(kind: "redis", broker: .redis, separator: "."),
        Case(kind: "mqtt", broker: .mosquitto, separator: "/"),
    ]

    static func contract(_ c: Case, publishTo target: Int) -> String {
        let s = c.separator
        return """
            contract: \(c.kind) messages reach only their user
            services:
              broker: "${env.BROKER_URL}"
            actors:
              user: { count: 2 }
            channels:
              inbox: { \(c.kind): "broker users\(s)${actor.index}", for: [user] }
            steps:
              - publish: "broker users\(s)\(target)"
                json: { type: hello, n: 1 }
                events:
                  - channel: inbox
                    match: { type: hello }
                    recipients: ["user[0]"]
                    within: 500ms
                  - channel: inbox
                    subject: "users\(s)\(target)"
                    match: { type: hello, n: { $gte: 1 } }
                    within: 500ms
              - publish: "broker users\(s)0"
                text: not json at all
                events:
                  - channel: inbox
                    as: user[0]
                    match: { $regex: "^not json" }
                    within: 500ms

            """
    }

    @Test("the right user gets it, anyone else is a wrong recipient, and text payloads match as text", arguments: cases)
    func deliveries(_ c: Case) async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.contract(c, publishTo: 0).write(to: dir.appendingPathComponent("green.yaml"), atomically: true, encoding: .utf8)
        try Self.contract(c, publishTo: 1).write(to: dir.appendingPathComponent("red.yaml"), atomically: true, encoding: .utf8)
        try await withLocalBroker(c.broker) { broker in
            let green = try await herald(["run", "green.yaml"], in: dir, environment: ["BROKER_URL": broker.url], limit: .seconds(30))
            #expect(green.status == 0, "\(green)")
            #expect(green.stdout.contains("3 passed, 0 failed"), "\(green)")

            let red = try await herald(["run", "red.yaml", "--report", dir.appendingPathComponent("out").path], in: dir,
                                       environment: ["BROKER_URL": broker.url], limit: .seconds(30))
            #expect(red.status == 1, "\(red)")
            #expect(red.stdout.contains("recipients [wrong-recipient]"), "\(red)")
            let report = try Report.load(dir.appendingPathComponent("out"))
            let verdict = try #require(report.contracts.flatMap(\.verdicts).first { $0.reason == "wrong-recipient" })
            #expect(verdict.evidence.contains { $0.role == "unexpected" && $0.actor == "user[1]" && $0.text?.contains("hello") == true },
                    "the frame user[1] got is the evidence: \(verdict.evidence)")
        }
    }

    @Test("NATS headers go out with a publish and can be matched, case-insensitively")
    func natsHeaders() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let contract = """
            contract: headers travel with the message
            services:
              bus: "${env.BROKER_URL}"
            channels:
              orders: { nats: "bus orders.>" }
            steps:
              - publish: "bus orders.created"
                headers: { Trace-Id: t-42 }
                json: { type: order.created }
                events:
                  - channel: orders
                    headers: { trace-id: t-42 }
                    match: { type: order.created }
                  - channel: orders
                    headers: { Trace-Id: t-43 }
                    absent: { type: order.created }
                    within: 300ms

            """
        try contract.write(to: dir.appendingPathComponent("headers.yaml"), atomically: true, encoding: .utf8)
        try await withLocalBroker(.nats) { broker in
            let run = try await herald(["run", "headers.yaml"], in: dir, environment: ["BROKER_URL": broker.url], limit: .seconds(30))
            #expect(run.status == 0, "\(run)")
            #expect(run.stdout.contains("2 passed, 0 failed"), "\(run)")
        }
    }

    @Test("a NATS request nobody answers is a failed expectation (exit 1), not an infrastructure error")
    func unansweredRequest() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let contract = """
            contract: a request nobody answers
            services:
              bus: "${env.BROKER_URL}"
            steps:
              - request: "bus svc.echo"
                json: { q: 1 }
                timeout: 300ms
                expect: { body: { ok: true } }

            """
        try contract.write(to: dir.appendingPathComponent("request.yaml"), atomically: true, encoding: .utf8)
        try await withLocalBroker(.nats) { broker in
            let run = try await herald(["run", "request.yaml"], in: dir, environment: ["BROKER_URL": broker.url], limit: .seconds(30))
            #expect(run.status == 1, "\(run)")
            #expect(run.stdout.contains("body [timeout]") && run.stdout.contains("no reply to request bus svc.echo"), "\(run)")
        }
    }

    @Test("a broker that refuses the credentials passes refused: not_authorised; one that lets them in fails it (exit 1)",
          arguments: [("mqtt", LocalBroker(kind: .mosquitto, users: ["alice": "s3cret"])),
                      ("nats", LocalBroker.nats.with("--user", "alice", "--pass", "s3cret"))])
    func refusedCredentials(_ kind: String, _ broker: LocalBroker) async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        func contract(password: String) -> String {
            """
            contract: a stranger cannot subscribe
            services:
              bus: "${env.BROKER_URL}"
            channels:
              stranger:
                \(kind): "bus orders/x"
                username: alice
                password: \(password)
                expect: { refused: not_authorised }
            steps:
              - sleep: 10ms

            """
        }
        try contract(password: "wrong").write(to: dir.appendingPathComponent("refused.yaml"), atomically: true, encoding: .utf8)
        try contract(password: "s3cret").write(to: dir.appendingPathComponent("accepted.yaml"), atomically: true, encoding: .utf8)
        try await withLocalBroker(broker) { server in
            let refused = try await herald(["run", "-v", "refused.yaml"], in: dir, environment: ["BROKER_URL": server.url], limit: .seconds(30))
            #expect(refused.status == 0 && refused.stdout.contains("was refused (not authorised)"), "\(refused)")
            let accepted = try await herald(["run", "accepted.yaml"], in: dir, environment: ["BROKER_URL": server.url], limit: .seconds(30))
            #expect(accepted.status == 1 && accepted.stdout.contains("connection [unexpected]"), "\(accepted)")
            #expect(!refused.stdout.contains("s3cret") && !accepted.stdout.contains("s3cret"))
        }
    }

    @Test("actors carry fixed credentials: HTTP basic auth per actor (a step's own wins), an MQTT publish as an actor with its login; no password shows")
    func perActorCredentials() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let demo = try await ServerProcess("herald-demo", ["--port", "0"])
        defer { demo.stop() }
        try await withLocalBroker(LocalBroker(kind: .mosquitto, users: ["alice": "alice-s3cret"])) { broker in
            let out = dir.appendingPathComponent("out")
            let run = try await herald(["run", "-v", "Tests/Fixtures/run/credentials.yaml", "--report", out.path],
                                       environment: ["BASE_URL": demo.url, "BROKER_URL": broker.url], limit: .seconds(60))
            #expect(run.status == 0, "\(run)")
            #expect(run.stdout.contains("8 passed, 0 failed"), "\(run)")
            var everything = run.stdout + run.stderr
            for file in try FileManager.default.contentsOfDirectory(atPath: out.path) {
                everything += try String(contentsOf: out.appendingPathComponent(file), encoding: .utf8)
            }
            for secret in ["alice-s3cret", "-pw", "carol-pw", "YWxpY2U6YWxpY2UtczNjcmV0"] {
                #expect(!everything.contains(secret), "'\(secret)' appears in the output or a report")
            }
        }
    }
}
