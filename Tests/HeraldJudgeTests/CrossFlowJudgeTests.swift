import HeraldCore
import HeraldJudge
import Testing

/// Wrong recipients across the flows of a load run.
@Suite("cross-flow wrong recipients")
struct CrossFlowJudgeTests {
    static let origin = MonotonicInstant(nanoseconds: 1_000_000_000)
    static func at(_ ms: Double) -> MonotonicInstant { origin.advanced(by: .microseconds(Int64(ms * 1000))) }

    /// A flow whose seller[1] received `frames` on `inbox` (seq from 1, `ms` after the origin), and whose `recipients`
    /// verdict matched the first of them (`matched: false`: no verdict matched anything).
    static func flow(worker: Int, frames: [(String, String, Double)], matched: Bool = true) -> FlowResult {
        let timeline = frames.enumerated().map { i, f in
            TimelineEntry(seq: i + 1, at: at(f.2), actor: f.0, channel: "inbox", event: .frame(FrameRecord(text: f.1, json: nil)))
        }
        var verdicts: [Verdict] = []
        if matched, let first = frames.first {
            verdicts.append(Verdict(id: "offers › step 7 › recipients #1", contract: "offers", step: "step 7: accept", kind: .recipients,
                                    outcome: .passed, message: "{type: offer.accepted} reached exactly seller[1]",
                                    evidence: [Evidence(role: .matched, actor: first.0, channel: "inbox", seq: 1, sinceTriggerMs: 2, text: first.1)],
                                    latencyMs: 2))
        }
        return FlowResult(worker: worker, round: 1, contract: ContractResult(
            name: "offers", file: "offers.yaml", location: SourceLocation(file: "offers.yaml", line: 1, column: 1), verdicts: verdicts,
            timeline: timeline, origin: origin, duration: .seconds(1), infrastructureError: nil, interrupted: false, actors: []))
    }

    static let mine = #"{"type":"offer.accepted","relatedId":"o-1"}"#
    static let theirs = #"{"type":"offer.accepted","relatedId":"o-2"}"#
    static let broadcast = #"{"type":"market.open"}"#

    @Test("a frame one flow expected that another flow's actor received is a wrong recipient in the first, with both receipts")
    func strayFrame() throws {
        let flows = [Self.flow(worker: 0, frames: [("seller[1]", Self.mine, 10)]),
                     Self.flow(worker: 1, frames: [("seller[1]", Self.theirs, 11), ("seller[0]", Self.mine, 15)])]
        let extra = CrossFlowJudge.wrongRecipients(flows)
        #expect(extra[1].isEmpty, "worker 1's own frame reached nobody else")
        let v = try #require(extra[0].first)
        #expect(extra[0].count == 1)
        #expect(v.outcome == .failed && v.reason == .wrongRecipient && v.kind == .recipients)
        #expect(v.id == "offers › step 7 › recipients #1 › other flows")
        #expect(v.message == "wrong recipient in another flow: worker 1, round 1: seller[0] also received what this flow's step sent")
        #expect(v.evidence.map(\.role) == [.matched, .unexpected])
        let stray = v.evidence[1]
        #expect(stray.actor == "worker 1, round 1: seller[0]" && stray.text == Self.mine)
        // Its time since the trigger (8 ms before the matched frame arrived at 10 ms): 15 − 8.
        #expect(abs((stray.sinceTriggerMs ?? 0) - 7) < 0.01)
    }

    @Test("a frame every flow expects alike (a broadcast) is nobody's; a flow without recipients verdicts adds nothing")
    func sharedFrames() {
        let flows = [Self.flow(worker: 0, frames: [("seller[1]", Self.broadcast, 10)]),
                     Self.flow(worker: 1, frames: [("seller[1]", Self.broadcast, 11)]),
                     Self.flow(worker: 2, frames: [("seller[1]", Self.mine, 12)], matched: false)]
        let extra = CrossFlowJudge.wrongRecipients(flows)
        #expect(extra.allSatisfy { $0.isEmpty }, "\(extra)")
    }

    @Test("a known gap stays a known gap across flows")
    func knownGap() throws {
        var flows = [Self.flow(worker: 0, frames: [("seller[1]", Self.mine, 10)]),
                     Self.flow(worker: 1, frames: [("seller[0]", Self.mine, 12)], matched: false)]
        flows[0].contract.verdicts[0].knownGap = "BUG-7"
        let v = try #require(CrossFlowJudge.wrongRecipients(flows)[0].first)
        #expect(v.outcome == .knownGap && v.knownGap == "BUG-7")
    }
}
