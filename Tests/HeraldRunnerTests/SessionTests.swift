import HeraldContract
import HeraldCore
import HeraldPlan
@testable import HeraldRunner
import HeraldTransport
import Synchronization
import Testing

/// `ContractSession`, the phases `herald agent` drives, over fake links: the same verdicts as a whole run, one action
/// at a time.
@Suite("runner: a contract driven phase by phase")
struct SessionTests {
    /// Data an orchestrator pushes is declared under `vars:`, with a default for `herald run`.
    static let yaml = contract(steps: """
          - send: inbox
            as: buyer
            json: { action: hello }
          - send: inbox
            action: ask
            as: buyer
            json: { action: ask, ref: "${ref}" }
            events:
              - channel: inbox
                match: { type: asked, ref: "${ref}" }
                recipients: ["seller[0]"]
          - send: inbox
            action: accept
            as: buyer
            json: { action: accept }
            events:
              - channel: inbox
                as: buyer
                match: { type: accepted }
        """).replacingOccurrences(of: "contract: fake\n", with: "contract: fake\nvars: { ref: none }\n")

    /// A server that answers `ask` to seller[0] (and, with `leak`, to seller[1] too) and `accept` to the buyer.
    static func server(leak: Bool = false) -> FakeServer {
        FakeServer { event, link, server in
            guard case .received(let text) = event else { return }
            let ref = JSONParser.parseIfJSON(Array(text.utf8))?["ref"]?.stringValue ?? ""
            switch text.action {
            case "ask":
                server.link("inbox", "seller[0]")?.push(#"{"type":"asked","ref":"\#(ref)"}"#)
                if leak { server.link("inbox", "seller[1]")?.push(#"{"type":"asked","ref":"\#(ref)"}"#) }
            case "accept":
                link.push(#"{"type":"accepted"}"#)
            default:
                break
            }
        }
    }

    static func session(_ server: FakeServer) throws -> ContractSession {
        let plan = try Planner.plan(try ContractLoader.parse(yaml, file: "fake.yaml"), options: RunOptions(environment: [:]))
        return try ContractSession(plan: plan, client: HTTPClient(), engine: nil, insecure: false, connector: server.connector)
    }

    @Test("prepare runs the steps no action names; each action runs only its own steps, with the data bound so far")
    func actionsRunTheirSteps() async throws {
        let server = Self.server()
        let session = try Self.session(server)
        let prepared = await session.prepare(data: ["ref": "r-1"])
        #expect(prepared.completed && prepared.infrastructureError == nil)
        #expect(server.link("inbox", "buyer")?.sent == [#"{"action":"hello"}"#])

        await session.update(data: ["ref": "r-2"])
        let decided = Mutex<[ContractSession.Outcome]>([])
        let asked = await session.act("ask") { outcome in decided.withLock { $0.append(outcome) } }
        #expect(asked.completed)
        #expect(server.link("inbox", "buyer")?.sent.last == #"{"action":"ask","ref":"r-2"}"#)
        let accepted = await session.act("accept") { outcome in decided.withLock { $0.append(outcome) } }
        #expect(accepted.completed)
        #expect(server.link("inbox", "buyer")?.sent.count == 3)

        let result = await session.verify()
        #expect(result.infrastructureError == nil)
        #expect(try result.verdict("step 2 › recipients #1").outcome == .passed)
        #expect(try result.verdict("step 3 › match #1").outcome == .passed)
        // Each action's outcome was told once its expectations were decided, in order.
        let told = decided.withLock { $0 }
        #expect(told.count == 2 && told.allSatisfy { $0.pending == 0 && $0.completed })
        #expect(told.map { $0.verdicts.map(\.outcome) } == [[.passed], [.passed]], "\(told.map(\.verdicts))")
        await session.cleanUp()
        await session.cleanUp()
    }

    @Test("a wrong recipient in an action fails its decided outcome and the report, as in a whole run")
    func wrongRecipient() async throws {
        let session = try Self.session(Self.server(leak: true))
        _ = await session.prepare(data: ["ref": "r-1"])
        let decided = Mutex<ContractSession.Outcome?>(nil)
        _ = await session.act("ask") { outcome in decided.withLock { $0 = outcome } }
        let result = await session.verify()
        let v = try result.verdict("step 2 › recipients #1")
        #expect(v.outcome == .failed && v.reason == .wrongRecipient, "\(v.message)")
        #expect(v.evidence.contains { $0.role == .unexpected && $0.actor == "seller[1]" })
        #expect(decided.withLock { $0?.verdicts.first?.outcome } == .failed)
        // The same contract run whole gives the same verdict.
        let whole = try await run(Self.yaml.replacingOccurrences(of: "${ref}", with: "r-1"), on: Self.server(leak: true))
        #expect(try whole.verdict("step 2 › recipients #1").reason == .wrongRecipient)
        await session.cleanUp()
    }
}
