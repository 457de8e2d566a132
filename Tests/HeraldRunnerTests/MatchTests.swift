import HeraldCore
import Testing

/// `match` and `recipients`, judged by the runner over frames a fake server pushes in answer to a `send:` step.
@Suite("runner: match and recipients")
struct MatchTests {
    static let ping = contract(steps: """
          - send: inbox
            as: buyer
            json: { action: ping }
            events:
              - channel: inbox
                as: buyer
                match: { type: pong }
        """)

    @Test("a match passes when the frame comes, on the link the step sent on")
    func matchPasses() async throws {
        let server = FakeServer(replies: ["ping": [.back(#"{"type":"pong"}"#)]])
        let result = try await run(Self.ping, on: server)
        let v = try result.verdict("step 1 › match #1")
        #expect(v.outcome == .passed, "\(v.message)")
        #expect(v.evidence.first?.role == .matched && v.evidence.first?.actor == "buyer")
        #expect(v.evidence.first?.text == #"{"type":"pong"}"#)
        #expect(server.link("inbox", "buyer")?.sent == [#"{"action":"ping"}"#])
        #expect(server.link("inbox", "seller[0]")?.sent == [])
        #expect(result.ranClean)
    }

    @Test("a match fails missing when another frame comes, with it as the nearest frame")
    func matchMissing() async throws {
        let server = FakeServer(replies: ["ping": [.back(#"{"type":"pang"}"#)]])
        let result = try await run(Self.ping, on: server)
        let v = try result.verdict("step 1 › match #1")
        #expect(v.outcome == .failed && v.reason == .missing, "\(v.message)")
        let nearest = try #require(v.evidence.first { $0.role == .nearest })
        #expect(nearest.text == #"{"type":"pang"}"# && nearest.actor == "buyer")
        #expect(nearest.differences.contains { $0.path.contains("type") && $0.expected.contains("pong") }, "\(nearest.differences)")
        #expect(result.ranClean, "a failed expectation is not an infrastructure error")
    }

    static let notify = contract(steps: """
          - send: inbox
            as: buyer
            json: { action: notify }
            events:
              - channel: inbox
                match: { type: offer.accepted }
                recipients: ["seller[0]"]
        """)

    @Test("recipients passes when only the named actor's link gets the frame")
    func recipientsPass() async throws {
        let server = FakeServer(replies: ["notify": [.to("seller[0]", #"{"type":"offer.accepted"}"#)]])
        let result = try await run(Self.notify, on: server)
        let v = try result.verdict("step 1 › recipients #1")
        #expect(v.outcome == .passed, "\(v.message)")
        #expect(v.evidence.map(\.actor) == ["seller[0]"])
        #expect(result.ranClean)
    }

    @Test("recipients fails wrong-recipient when a second actor's link gets the frame too")
    func recipientsWrong() async throws {
        let frame = #"{"type":"offer.accepted"}"#
        let server = FakeServer(replies: ["notify": [.to("seller[0]", frame), .to("seller[1]", frame)]])
        let result = try await run(Self.notify, on: server)
        let v = try result.verdict("step 1 › recipients #1")
        #expect(v.outcome == .failed && v.reason == .wrongRecipient, "\(v.message)")
        #expect(v.evidence.contains { $0.role == .unexpected && $0.actor == "seller[1]" })
        #expect(v.evidence.contains { $0.role == .matched && $0.actor == "seller[0]" })
        #expect(v.message.contains("seller[1]"))
    }
}
