import HeraldCore
import Testing

/// A sequence that spans the events of several steps (`from: step N`), with unrelated events between them, and a
/// payload field called `channel` in a sequence item.
@Suite("runner: an order across calls")
struct AcrossStepsTests {
    /// save, rename, delete: each step's send makes the server push its event, with noise between them.
    static func yaml(from origin: String) -> String {
        contract(steps: """
              - name: save the draft
                send: inbox
                as: buyer
                json: { action: save }
              - send: inbox
                as: buyer
                json: { action: rename }
              - send: inbox
                as: buyer
                json: { action: delete }
                events:
                  - channel: inbox
                    as: buyer
                    from: \(origin)
                    sequence:
                      - { type: save, channel: drafts }
                      - { type: rename }
                      - { type: delete }
            """)
    }

    /// Pushes `{type: ACTION}` back for each send, with an unrelated frame first; with `swap`, rename's event comes
    /// only after delete's.
    static func server(swap: Bool = false) -> FakeServer {
        FakeServer { event, link, _ in
            guard case .received(let text) = event, let action = text.action else { return }
            link.push(#"{"type":"noise"}"#)
            switch (action, swap) {
            case ("save", _): link.push(#"{"type":"save","channel":"drafts"}"#)
            case ("rename", true): break
            case ("delete", true):
                link.push(#"{"type":"delete"}"#)
                link.push(#"{"type":"rename"}"#)
            default: link.push(#"{"type":"\#(action)"}"#)
            }
        }
    }

    @Test("from: step 1 (or its name) sees the events of steps 1 to 3 in order, noise between them, and passes")
    func spansSteps() async throws {
        for origin in ["step 1", "save the draft"] {
            let result = try await run(Self.yaml(from: origin), on: Self.server())
            let v = try result.verdict("step 3 › sequence #1")
            #expect(v.outcome == .passed, "from: \(origin): \(v.message)")
        }
    }

    @Test("the same order judged only from step 3 misses save and rename; out of order fails out-of-order")
    func failsBothWays() async throws {
        let own = try await run(Self.yaml(from: "trigger"), on: Self.server())
        #expect(try own.verdict("step 3 › sequence #1").outcome == .failed)
        let swapped = try await run(Self.yaml(from: "step 1"), on: Self.server(swap: true))
        let v = try swapped.verdict("step 3 › sequence #1")
        #expect(v.outcome == .failed && v.reason == .outOfOrder, "\(v.message)")
    }
}
