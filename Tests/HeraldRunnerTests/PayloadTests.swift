import HeraldCore
import Testing

/// Binary payloads, and captures from a matching frame.
@Suite("runner: payloads and captures")
struct PayloadTests {
    static let feed = contract(steps: """
          - send: inbox
            as: buyer
            json: { action: feed }
            events:
              - channel: inbox
                as: buyer
                match: { type: snapshot, open: 2 }
              - channel: inbox
                as: buyer
                match: "base64:AP8B"
        """)

    static let snapshot = Array(#"{"type":"snapshot","open":2}"#.utf8)

    @Test("a binary UTF-8 JSON message is matched as JSON, and non-UTF-8 bytes as base64:")
    func binaryMatched() async throws {
        let server = FakeServer(replies: ["feed": [Reply(to: nil, push: .binary(Self.snapshot)),
                                                   Reply(to: nil, push: .binary([0x00, 0xFF, 0x01]))]])
        let result = try await run(Self.feed, on: server)
        let json = try result.verdict("step 1 › match #1")
        #expect(json.outcome == .passed, "\(json.message)")
        let bytes = try result.verdict("step 1 › match #2")
        #expect(bytes.outcome == .passed, "\(bytes.message)")
        let frames = result.timeline.compactMap(\.frame)
        #expect(frames.map(\.binary) == [true, true])
        #expect(frames.map(\.text) == [#"{"type":"snapshot","open":2}"#, "base64:AP8B"])
        #expect(frames.first?.json?["open"] == 2)
    }

    @Test("binary messages that differ fail: the JSON one on its field, the non-UTF-8 one on its base64: text")
    func binaryMismatched() async throws {
        let server = FakeServer(replies: ["feed": [Reply(to: nil, push: .binary(Array(#"{"type":"snapshot","open":3}"#.utf8))),
                                                   Reply(to: nil, push: .binary([0x00, 0xFF, 0x02]))]])
        let result = try await run(Self.feed, on: server)
        let json = try result.verdict("step 1 › match #1")
        #expect(json.outcome == .failed && json.reason == .missing, "\(json.message)")
        let nearJSON = try #require(json.evidence.first { $0.role == .nearest })
        #expect(nearJSON.differences.map(\.path).contains { $0.contains("open") }, "\(nearJSON.differences)")
        let bytes = try result.verdict("step 1 › match #2")
        #expect(bytes.outcome == .failed && bytes.reason == .missing, "\(bytes.message)")
        // The other bytes came, shown as base64: (a scalar matcher scores every other frame alike, so the nearest
        // frame named in the evidence is simply the first one).
        #expect(result.timeline.compactMap(\.frame).map(\.text) == [#"{"type":"snapshot","open":3}"#, "base64:AP8C"])
    }

    static let order = contract(steps: """
          - send: inbox
            as: buyer
            json: { action: order }
            events:
              - channel: inbox
                as: buyer
                match: { type: order.created }
                capture: { orderId: $.id }
          - send: inbox
            as: buyer
            json: { action: pay }
            events:
              - channel: inbox
                as: buyer
                match: { type: order.paid, orderId: "${orderId}" }
        """)

    @Test("a capture from a matching frame binds a variable that a later expectation uses")
    func capturePasses() async throws {
        let server = FakeServer(replies: ["order": [.back(#"{"type":"order.created","id":"ord-42"}"#)],
                                          "pay": [.back(#"{"type":"order.paid","orderId":"ord-42"}"#)]])
        let result = try await run(Self.order, on: server)
        #expect(try result.verdict("step 1 › match #1").outcome == .passed)
        let paid = try result.verdict("step 2 › match #1")
        #expect(paid.outcome == .passed, "\(paid.message)")
    }

    @Test("the captured value is what the later expectation asks for: another id fails, showing the captured one")
    func captureUsed() async throws {
        let server = FakeServer(replies: ["order": [.back(#"{"type":"order.created","id":"ord-42"}"#)],
                                          "pay": [.back(#"{"type":"order.paid","orderId":"ord-41"}"#)]])
        let result = try await run(Self.order, on: server)
        let paid = try result.verdict("step 2 › match #1")
        #expect(paid.outcome == .failed && paid.reason == .missing, "\(paid.message)")
        let nearest = try #require(paid.evidence.first { $0.role == .nearest })
        #expect(nearest.differences.contains { $0.expected.contains("ord-42") && ($0.actual ?? "").contains("ord-41") },
                "\(nearest.differences)")
    }
}
