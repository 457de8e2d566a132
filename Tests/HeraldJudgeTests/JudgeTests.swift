import HeraldContract
import HeraldCore
import HeraldJudge
import Testing

/// Builds frames and expectations on a fake clock: `t(ms)` is `ms` after the trigger at 1 s.
enum Fixture {
    static let trigger = MonotonicInstant(nanoseconds: 1_000_000_000)
    static func t(_ ms: Int) -> MonotonicInstant { trigger.advanced(by: .milliseconds(ms)) }

    static func frame(_ seq: Int, at ms: Int, _ actor: String?, _ value: JSONValue, channel: String = "inbox") -> ObservedFrame {
        ObservedFrame(seq: seq, at: t(ms), actor: actor, channel: channel, value: value, text: value.encoded())
    }

    static func expectation(_ kind: BoundExpectation.Kind = .match, matcher: Matcher = .object([member("type", "offer.accepted")]),
                            actor: String? = nil, recipients: [String]? = nil, within: Duration = .seconds(1),
                            knownGap: String? = nil) -> BoundExpectation {
        BoundExpectation(id: "c › step 1 › e", contract: "c", step: "step 1", location: nil, knownGap: knownGap, channel: "inbox",
                         kind: kind, matcher: matcher, actor: actor, recipients: recipients,
                         subscribers: ["buyer", "seller[0]", "seller[1]"], within: within)
    }

    static func member(_ key: String, _ value: JSONValue) -> Matcher.Member {
        Matcher.Member(key: key, path: JSONPath(fields: [key]), matcher: .equals(value))
    }

    static func judge(_ e: BoundExpectation, _ frames: [ObservedFrame], now ms: Int, final: Bool = false,
                      drops: [ObservedDisconnect] = []) -> Judgement {
        EventJudge.judge(e, trigger: trigger, frames: frames, disconnects: drops, now: t(ms), final: final)
    }
}

@Suite struct MatcherTests {
    let frame: JSONValue = ["type": "offer.accepted", "price": 120, "id": "o-17", "tags": ["a", "b"], "meta": ["n": nil]]

    func m(_ members: [(String, Matcher)]) -> Matcher {
        .object(members.map { Matcher.Member(key: $0.0, path: $0.0.hasPrefix("$") ? try! JSONPath($0.0) : JSONPath(fields: [$0.0]), matcher: $0.1) })
    }

    @Test func partialObjectMatchIgnoresOtherFields() {
        #expect(m([("type", .equals("offer.accepted"))]).matches(frame))
        #expect(!m([("type", .equals("offer.rejected"))]).matches(frame))
        #expect(!m([("missing", .equals("x"))]).matches(frame))
    }

    @Test func operators() {
        #expect(m([("id", .regex("^o-\\d+$"))]).matches(frame))
        #expect(!m([("id", .regex("^x"))]).matches(frame))
        #expect(m([("price", .all([.compare(.gt, 100), .compare(.lte, 120)]))]).matches(frame))
        #expect(!m([("price", .compare(.lt, 120))]).matches(frame))
        #expect(m([("type", .oneOf(["a", "offer.accepted"]))]).matches(frame))
        #expect(m([("tags", .contains(.equals("b")))]).matches(frame))
        #expect(!m([("tags", .contains(.equals("c")))]).matches(frame))
        #expect(m([("nope", .exists(false)), ("id", .exists(true))]).matches(frame))
        #expect(m([("$.meta.n", .exists(false))]).matches(frame), "null counts as absent")
        #expect(m([("price", .type("number")), ("type", .notEqual("x"))]).matches(frame))
        #expect(m([("price", .equals("120"))]).matches(frame), "a number equals its text")
    }

    @Test func differencesNameTheFieldAndBothValues() {
        let d = m([("type", .equals("offer.rejected")), ("price", .equals(120)), ("gone", .exists(true))]).differences(frame)
        #expect(d.map(\.description) == [
            "$.type: expected offer.rejected, got offer.accepted",
            "$.gone: expected present, got nothing (missing)",
        ])
    }

    @Test func textPayloadsMatchAsStrings() {
        #expect(Matcher.regex("^hello").matches(.string("hello world")))
        #expect(Matcher.equals("ping").matches(.string("ping")))
    }

    @Test func closenessRanksNearMisses() {
        let matcher = m([("type", .equals("offer.accepted")), ("id", .equals("o-18"))])
        #expect(matcher.closeness(frame) == 0.5)
        #expect(matcher.closeness(["type": "other"]) == 0)
    }
}

@Suite struct EventJudgeTests {
    typealias F = Fixture
    let accepted: JSONValue = ["type": "offer.accepted", "relatedId": "o-1"]

    @Test func matchPassesAsSoonAsTheEventArrives() throws {
        let j = F.judge(F.expectation(), [F.frame(0, at: 40, "seller[1]", accepted)], now: 50)
        let v = try #require(j.verdict)
        #expect(v.outcome == .passed)
        #expect(v.latencyMs == 40)
        #expect(v.evidence.first?.actor == "seller[1]")
    }

    @Test func matchIsPendingUntilTheDeadline() {
        guard case .pending(let until) = F.judge(F.expectation(), [], now: 500) else { Issue.record("not pending"); return }
        #expect(until == F.t(1000))
    }

    @Test func missingEventShowsTheNearestFrameAndItsDifferences() throws {
        let other: JSONValue = ["type": "offer.rejected", "relatedId": "o-1"]
        let v = try #require(F.judge(F.expectation(), [F.frame(0, at: 10, "seller[0]", other)], now: 1001).verdict)
        #expect(v.outcome == .failed)
        #expect(v.reason == .missing)
        #expect(v.evidence.first?.role == .nearest)
        #expect(v.evidence.first?.differences.map(\.path) == ["$.type"])
        #expect(v.message.contains("expected offer.accepted, got offer.rejected"))
    }

    @Test func aLateEventIsReportedAsLate() throws {
        let v = try #require(F.judge(F.expectation(), [F.frame(0, at: 1500, "seller[1]", accepted)], now: 1600).verdict)
        #expect(v.reason == .late)
        #expect(v.latencyMs == 1500)
    }

    @Test("latency: in a plain run, a delivery slower than the tightest bound fails as slow; a faster one passes; in a load run each passes, the bounds carried on")
    func latencyBounds() throws {
        var e = F.expectation()
        e.latencyLimits = [LatencyLimit(percentile: 95, ms: 30), LatencyLimit(percentile: 100, ms: 100)]
        e.judgesLatency = true
        let slow = try #require(F.judge(e, [F.frame(0, at: 40, "seller[1]", accepted)], now: 50).verdict)
        #expect(slow.outcome == .failed && slow.reason == .slow)
        #expect(slow.message.contains("after 40 ms, slower than its latency: p95 30ms"), "\(slow.message)")
        #expect(slow.latencyMs == 40 && slow.evidence.first?.role == .matched)
        let fast = try #require(F.judge(e, [F.frame(0, at: 20, "seller[1]", accepted)], now: 50).verdict)
        #expect(fast.outcome == .passed && fast.latencyLimits?.count == 2)
        e.judgesLatency = false
        let flow = try #require(F.judge(e, [F.frame(0, at: 40, "seller[1]", accepted)], now: 50).verdict)
        #expect(flow.outcome == .passed && flow.latencyLimits?.map(\.description) == ["p95<=30ms", "max<=100ms"])
        #expect(LatencyLimit(written: "p99.9<=12.5ms") == LatencyLimit(percentile: 99.9, ms: 12.5))
        #expect(LatencyLimit(written: "max<=1000ms") == LatencyLimit(percentile: 100, ms: 1000))
        #expect(LatencyLimit(written: "p95 < 3") == nil)
        #expect(LatencyLimit(written: "p95<=5us") == LatencyLimit(percentile: 95, ms: 0.005))
        #expect(LatencyLimit(percentile: 95, ms: 0.005).description == "p95<=5us")
        #expect(LatencyLimit(percentile: 95, ms: 2000).description == "p95<=2s" && LatencyLimit(written: "p95<=2s")?.ms == 2000)
        #expect(LatencyLimit(percentile: 95, ms: 1500).description == "p95<=1500ms")
    }

    @Test func framesBeforeTheTriggerDoNotCount() throws {
        let v = try #require(F.judge(F.expectation(), [F.frame(0, at: -5, "seller[1]", accepted)], now: 1001).verdict)
        #expect(v.reason == .missing)
    }

    @Test func asRestrictsToOneConnection() throws {
        let frames = [F.frame(0, at: 5, "seller[0]", accepted)]
        let v = try #require(F.judge(F.expectation(actor: "seller[1]"), frames, now: 1001).verdict)
        #expect(v.outcome == .failed)
    }

    @Test func recipientsPassWhenExactlyTheIntendedActorsReceive() throws {
        let e = F.expectation(recipients: ["seller[1]"])
        let frames = [F.frame(0, at: 20, "seller[1]", accepted), F.frame(1, at: 21, "buyer", ["type": "order.created"])]
        #expect(F.judge(e, frames, now: 500).verdict == nil, "waits out the window for wrong recipients")
        let v = try #require(F.judge(e, frames, now: 1000).verdict)
        #expect(v.outcome == .passed)
        #expect(v.kind == .recipients)
    }

    @Test func aDeliveryToAnyoneElseIsAWrongRecipient() throws {
        let e = F.expectation(recipients: ["seller[1]"])
        let frames = [F.frame(0, at: 20, "seller[1]", accepted), F.frame(1, at: 22, "seller[0]", accepted)]
        let v = try #require(F.judge(e, frames, now: 1000).verdict)
        #expect(v.outcome == .failed)
        #expect(v.reason == .wrongRecipient)
        let wrong = try #require(v.evidence.first)
        #expect(wrong.role == .unexpected)
        #expect(wrong.actor == "seller[0]")
        #expect(wrong.sinceTriggerMs == 22)
        #expect(wrong.text == accepted.encoded())
        #expect(v.message.contains("seller[0]"))
    }

    @Test func aRecipientThatGetsNothingIsMissing() throws {
        let v = try #require(F.judge(F.expectation(recipients: ["seller[1]", "buyer"]), [F.frame(0, at: 20, "seller[1]", accepted)], now: 1000).verdict)
        #expect(v.reason == .missing)
        #expect(v.message.contains("buyer did not receive it"))
    }

    @Test func countCatchesDuplicates() throws {
        let e = F.expectation(.count(1), actor: "seller[1]")
        let frames = [F.frame(0, at: 20, "seller[1]", accepted), F.frame(1, at: 25, "seller[1]", accepted)]
        let v = try #require(F.judge(e, frames, now: 1000).verdict)
        #expect(v.reason == .duplicate)
        #expect(v.evidence.filter { $0.role == .unexpected }.count == 1)
        let once = try #require(F.judge(e, Array(frames.prefix(1)), now: 1000).verdict)
        #expect(once.outcome == .passed)
    }

    @Test func absentFailsOnTheFirstMatchingEvent() throws {
        let e = F.expectation(.absent, actor: "seller[2]")
        let v = try #require(F.judge(e, [F.frame(0, at: 300, "seller[2]", accepted)], now: 301).verdict)
        #expect(v.reason == .unexpected)
        #expect(F.judge(e, [F.frame(0, at: 300, "seller[0]", accepted)], now: 500).verdict == nil)
        #expect(F.judge(e, [F.frame(0, at: 300, "seller[0]", accepted)], now: 1000).verdict?.outcome == .passed)
    }

    @Test func sequenceInOrderPasses() throws {
        let seq = BoundExpectation.Kind.sequence([.init("inbox", .object([F.member("type", "a")])), .init("inbox", .object([F.member("type", "b")]))], strict: false)
        let frames = [F.frame(0, at: 5, "buyer", ["type": "a"]), F.frame(1, at: 6, "buyer", ["type": "x"]), F.frame(2, at: 9, "buyer", ["type": "b"])]
        #expect(F.judge(F.expectation(seq, actor: "buyer"), frames, now: 10).verdict?.outcome == .passed)
        let strict = BoundExpectation.Kind.sequence([.init("inbox", .object([F.member("type", "a")])), .init("inbox", .object([F.member("type", "b")]))], strict: true)
        let v = try #require(F.judge(F.expectation(strict, actor: "buyer"), frames, now: 1000).verdict)
        #expect(v.reason == .outOfOrder)
        #expect(v.message.contains("not back to back"))
    }

    @Test func sequenceOutOfOrderSaysSo() throws {
        let seq = BoundExpectation.Kind.sequence([.init("inbox", .object([F.member("type", "a")])), .init("inbox", .object([F.member("type", "b")]))], strict: false)
        let frames = [F.frame(0, at: 5, "buyer", ["type": "b"]), F.frame(1, at: 9, "buyer", ["type": "a"])]
        #expect(F.judge(F.expectation(seq, actor: "buyer"), frames, now: 50).verdict == nil, "b then a could still be followed by b")
        let v = try #require(F.judge(F.expectation(seq, actor: "buyer"), frames, now: 1000).verdict)
        #expect(v.reason == .outOfOrder)
        #expect(v.message.contains("{type: b} → {type: a}"))
    }

    @Test func sequenceSpansChannels() throws {
        let seq = BoundExpectation.Kind.sequence([.init("orders", .object([F.member("type", "order.created")])), .init("inbox", .object([F.member("type", "n")]))], strict: false)
        let frames = [F.frame(0, at: 5, nil, ["type": "order.created"], channel: "orders"), F.frame(1, at: 9, "buyer", ["type": "n"])]
        #expect(F.judge(F.expectation(seq, actor: "buyer"), frames, now: 10).verdict?.outcome == .passed)
    }

    @Test func knownGapsAreMarkedNotFailed() throws {
        let v = try #require(F.judge(F.expectation(knownGap: "MKT-42"), [], now: 1000).verdict)
        #expect(v.outcome == .knownGap)
        #expect(v.knownGap == "MKT-42")
    }

    @Test func aDroppedConnectionIsNamedInTheVerdict() throws {
        let drop = ObservedDisconnect(channel: "inbox", actor: "seller[1]", at: F.t(100), detail: "close code 1011")
        let v = try #require(F.judge(F.expectation(actor: "seller[1]"), [], now: 1000, drops: [drop]).verdict)
        #expect(v.reason == .connectionDropped)
        #expect(v.message.contains("dropped"))
        #expect(v.evidence.contains { $0.role == .disconnect })
    }

    @Test func aDropEndsTheWaitAtOnce() throws {
        let drop = ObservedDisconnect(channel: "inbox", actor: "seller[1]", at: F.t(100), detail: "connection lost")
        // Before the drop the expectation waits; right after it, it is decided although its window is still open.
        #expect(F.judge(F.expectation(actor: "seller[1]"), [], now: 50, drops: [drop]).verdict == nil)
        let v = try #require(F.judge(F.expectation(actor: "seller[1]"), [], now: 101, drops: [drop]).verdict)
        #expect(v.outcome == .failed)
        #expect(v.reason == .connectionDropped)
        // Another actor's connection dropping does not end this one's wait.
        #expect(F.judge(F.expectation(actor: "seller[0]"), [], now: 101, drops: [drop]).verdict == nil)
        // A frame that arrived before the drop still satisfies it.
        let hit = try #require(F.judge(F.expectation(actor: "seller[1]"), [F.frame(0, at: 40, "seller[1]", accepted)],
                                       now: 101, drops: [drop]).verdict)
        #expect(hit.outcome == .passed)
    }

    @Test func quietOnADroppedConnectionProvesNothing() throws {
        let drop = ObservedDisconnect(channel: "inbox", actor: "seller[2]", at: F.t(100), detail: "connection lost")
        let v = try #require(F.judge(F.expectation(.absent, actor: "seller[2]"), [], now: 101, drops: [drop]).verdict)
        #expect(v.outcome == .failed)
        #expect(v.reason == .connectionDropped)
        #expect(v.message.contains("could not be watched"))
        let quiet = try #require(F.judge(F.expectation(.absent, actor: "seller[2]"), [], now: 1000).verdict)
        #expect(quiet.outcome == .passed)
    }

    @Test func anInterruptedWaitIsNotRun() throws {
        let v = try #require(F.judge(F.expectation(), [], now: 200, final: true).verdict)
        #expect(v.outcome == .notRun)
    }
}

@Suite struct ResponseJudgeTests {
    @Test func statusHeadersAndBody() {
        var r = ResponseExpectations()
        r.status = .oneOf([200, 201])
        r.headers = [("content-type", .regex("json"), SourceLocation(file: "f", line: 1, column: 1))]
        r.body = .object([Matcher.Member(key: "$.status", path: try! JSONPath("$.status"), matcher: .equals("PAID"))])
        let ok = ObservedResponse(status: 201, headers: [RecordedHeader(name: "Content-Type", value: "application/json")],
                                  body: ["status": "PAID"], seq: 3)
        #expect(ResponseJudge.judge(r, response: ok, contract: "c", step: "s", idPrefix: "c › s", location: nil).allSatisfy { $0.outcome == .passed })
        let bad = ObservedResponse(status: 500, headers: [], body: ["status": "FAILED"], seq: 3)
        let v = ResponseJudge.judge(r, response: bad, contract: "c", step: "s", idPrefix: "c › s", location: nil)
        #expect(v.map(\.outcome) == [.failed, .failed, .failed])
        #expect(v[0].message == "expected status one of 200, 201, got 500")
        #expect(v[2].message.contains("$.status: expected PAID, got FAILED"))
    }
}
