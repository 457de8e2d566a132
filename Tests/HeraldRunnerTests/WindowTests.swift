import HeraldCore
import Testing

/// `count`, `absent` and `sequence`: expectations that look at every frame of their window.
@Suite("runner: count, absent and sequence")
struct WindowTests {
    static func step(_ action: String, _ expectation: String) -> String {
        contract(steps: """
              - send: inbox
                as: buyer
                json: { action: \(action) }
                events:
                  - channel: inbox
                    as: buyer
            \(expectation)
            """)
    }

    static let once = step("pay", """
                match: { type: paid }
                count: 1
        """)

    @Test("count 1 passes on one frame")
    func countOnce() async throws {
        let server = FakeServer(replies: ["pay": [.back(#"{"type":"paid"}"#)]])
        let v = try await run(Self.once, on: server).verdict("step 1 › count #1")
        #expect(v.outcome == .passed, "\(v.message)")
    }

    @Test("count 1 catches a duplicate")
    func countDuplicate() async throws {
        let server = FakeServer(replies: ["pay": [.back(#"{"type":"paid","n":1}"#), .back(#"{"type":"paid","n":2}"#)]])
        let v = try await run(Self.once, on: server).verdict("step 1 › count #1")
        #expect(v.outcome == .failed && v.reason == .duplicate, "\(v.message)")
        #expect(v.evidence.map(\.role) == [.matched, .unexpected])
        #expect(v.evidence.last?.text == #"{"type":"paid","n":2}"#)
    }

    static let quiet = step("pay", """
                absent: { type: refunded }
        """)

    @Test("absent passes on silence")
    func absentSilence() async throws {
        let result = try await run(Self.quiet, on: FakeServer())
        let v = try result.verdict("step 1 › absent #1")
        #expect(v.outcome == .passed, "\(v.message)")
        #expect(result.ranClean)
    }

    @Test("absent fails when the frame comes")
    func absentBroken() async throws {
        let server = FakeServer(replies: ["pay": [.back(#"{"type":"refunded"}"#)]])
        let v = try await run(Self.quiet, on: server).verdict("step 1 › absent #1")
        #expect(v.outcome == .failed && v.reason == .unexpected, "\(v.message)")
        #expect(v.evidence.first?.role == .unexpected && v.evidence.first?.text == #"{"type":"refunded"}"#)
    }

    static let ordered = step("pay", """
                sequence:
                  - { type: payment.processing }
                  - { type: payment.succeeded }
        """)

    @Test("a sequence passes in order, with other frames between")
    func sequenceInOrder() async throws {
        let server = FakeServer(replies: ["pay": [.back(#"{"type":"payment.processing"}"#), .back(#"{"type":"noise"}"#),
                                                  .back(#"{"type":"payment.succeeded"}"#)]])
        let v = try await run(Self.ordered, on: server).verdict("step 1 › sequence #1")
        #expect(v.outcome == .passed, "\(v.message)")
        #expect(v.evidence.map(\.text) == [#"{"type":"payment.processing"}"#, #"{"type":"payment.succeeded"}"#])
    }

    @Test("a sequence out of order fails out-of-order")
    func sequenceOutOfOrder() async throws {
        let server = FakeServer(replies: ["pay": [.back(#"{"type":"payment.succeeded"}"#), .back(#"{"type":"payment.processing"}"#)]])
        let v = try await run(Self.ordered, on: server).verdict("step 1 › sequence #1")
        #expect(v.outcome == .failed && v.reason == .outOfOrder, "\(v.message)")
        #expect(v.evidence.map(\.text) == [#"{"type":"payment.succeeded"}"#, #"{"type":"payment.processing"}"#])
    }
}
