import HeraldContract
import HeraldCore
import HeraldJudge
import Testing

private typealias F = Fixture

@Suite("poll judge")
struct PollJudgeTests {
    let until = Matcher.object([F.member("status", "PAID")])
    let record = JSONPath(fields: ["status"])
    let here = SourceLocation(file: "c.yaml", line: 12, column: 5)

    func response(_ seq: Int, _ status: String, token: String = "t") -> ObservedResponse {
        ObservedResponse(status: 200, headers: [], body: ["status": .string(status), "token": .string(token)], seq: seq)
    }

    func judge(_ responses: [ObservedResponse], seen: [JSONValue]? = nil, record: JSONPath?? = .none) -> PollOutcome {
        PollJudge.judge(until: until, record: record ?? self.record, responses: responses, expectedSeen: seen,
                        within: .seconds(2), contract: "c", step: "step 2: poll", idPrefix: "c › step 2", location: here)
    }

    @Test("a state reached passes, with the attempts and each distinct value seen in order")
    func reached() {
        let o = judge([response(3, "NEW"), response(5, "NEW"), response(7, "PAID")])
        #expect(o.reached && o.seen == ["NEW", "PAID"])
        #expect(o.response?.seq == 7, "the step's expect: is judged on the last response")
        let v = o.verdict
        #expect(v.id == "c › step 2 › poll" && v.contract == "c" && v.step == "step 2: poll" && v.kind == .poll)
        #expect(v.outcome == .passed && v.reason == nil && v.location == here)
        #expect(v.message == "{status: PAID} after 3 attempts; seen: NEW → PAID")
        #expect(v.evidence == [Evidence(role: .observed, seq: 7, text: "seen: NEW → PAID")])
    }

    @Test("one attempt is singular; without a recorded path nothing is listed as seen")
    func firstAttempt() {
        let o = judge([response(1, "PAID")], record: .some(nil))
        #expect(o.verdict.message == "{status: PAID} after 1 attempt")
        #expect(o.verdict.evidence == [Evidence(role: .observed, seq: 1, text: nil)])
    }

    @Test("a state not reached times out with the attempts, the values seen and the last response's differences")
    func timeout() {
        let o = judge([response(3, "NEW"), response(5, "SHIPPED")])
        #expect(!o.reached && o.response == nil && o.seen == ["NEW", "SHIPPED"])
        let v = o.verdict
        #expect(v.outcome == .failed && v.reason == .timeout && v.id == "c › step 2 › poll" && v.location == here)
        #expect(v.message == "{status: PAID} did not hold within 2s (2 attempts; seen: NEW → SHIPPED)")
        #expect(v.evidence == [Evidence(role: .observed, seq: 5, text: "seen: NEW → SHIPPED",
                                        differences: [FieldDifference(path: "$.status", expected: "PAID", actual: "SHIPPED")])])
    }

    @Test("a timeout with no value recorded says it saw nothing")
    func timeoutSeeingNothing() {
        let o = judge([response(3, "NEW")], record: .some(JSONPath(fields: ["nope"])))
        #expect(o.verdict.message == "{status: PAID} did not hold within 2s (1 attempts; seen: nothing)")
        #expect(o.verdict.evidence.first?.text == nil)
    }

    @Test("the expected values must appear in order among those seen, other values between them allowed")
    func seenInOrder() {
        let responses = [response(1, "NEW"), response(2, "PENDING"), response(3, "PAID")]
        #expect(judge(responses, seen: ["NEW", "PAID"]).verdict.outcome == .passed)
        let o = judge(responses, seen: ["PAID", "NEW"])
        #expect(o.verdict.outcome == .failed && o.verdict.reason == .mismatch)
        #expect(o.verdict.message == "expected to see PAID → NEW, saw NEW → PENDING → PAID")
        #expect(o.reached && o.response?.seq == 3, "the state was reached: the response is still judged")
        #expect(o.verdict.evidence == [Evidence(role: .observed, seq: 3, text: "seen: NEW → PENDING → PAID")])
    }

    @Test("expected values are ignored when the state was not reached")
    func seenIgnoredOnTimeout() {
        #expect(judge([response(1, "NEW")], seen: ["PAID"]).verdict.reason == .timeout)
    }

    @Test("the judge quotes the values seen as they are; the result's boundary masks them in message and evidence")
    func masking() {
        let redactor = Redactor(secrets: ["s3cret"])
        let o = PollJudge.judge(until: .object([F.member("token", "s3cret")]), record: JSONPath(fields: ["token"]),
                                responses: [response(1, "NEW", token: "s3cret")], expectedSeen: ["s3cret", "x"],
                                within: .milliseconds(500), contract: "c", step: "s", idPrefix: "c › step 1", location: nil)
        #expect(o.verdict.message == "expected to see s3cret → x, saw s3cret")
        #expect(o.seen == ["s3cret"], "the values themselves stay unmasked")
        let shown = redactor.mask(o.verdict)
        #expect(shown.message == "expected to see ••• → x, saw •••")
        #expect(shown.evidence.first?.text == "seen: •••")
    }

    @Test("observing stops at the first response that reaches the state")
    func incremental() {
        var observations = PollObservations(until: until, record: record)
        let answers = [response(1, "NEW"), response(2, "PAID"), response(3, "REFUNDED")].map { observations.observe($0) }
        #expect(answers == [false, true, true])
        #expect(observations.attempts == 2 && observations.last?.seq == 2 && observations.seen == ["NEW", "PAID"])
        let o = PollJudge.judge(observations, expectedSeen: nil, within: .seconds(2), contract: "c", step: "s",
                                idPrefix: "c › step 2", location: nil)
        #expect(o.verdict.message == "{status: PAID} after 2 attempts; seen: NEW → PAID")
        #expect(judge([response(1, "PAID"), response(2, "REFUNDED")]).verdict.message == "{status: PAID} after 1 attempt; seen: PAID")
    }
}
