import HeraldContract
import HeraldCore
import HeraldJudge
import Testing

private typealias F = Fixture

@Suite("cache judge")
struct CacheJudgeTests {
    func expectation(_ condition: BoundCacheExpectation.Condition, within: Duration = .seconds(1), knownGap: String? = nil) -> BoundCacheExpectation {
        BoundCacheExpectation(id: "c › step 1 › cache #1", contract: "c", step: "step 1", location: nil, knownGap: knownGap,
                              what: "redis key order:1", condition: condition, within: within)
    }
    func sample(_ ms: Int, _ value: JSONValue?, status: Int? = nil) -> CacheSample { CacheSample(at: F.t(ms), value: value, status: status) }

    @Test("a key that goes away in time passes, with the time it took")
    func goneInTime() {
        let v = CacheJudge.judge(expectation(.absent), trigger: F.trigger, baseline: sample(-5, "old"),
                                 samples: [sample(20, "old"), sample(40, nil)])
        #expect(v.outcome == .passed && v.kind == .cache)
        #expect(v.latencyMs == 40)
    }

    @Test("a key still there at the deadline is stale, with the stale value and when it was last read")
    func stale() throws {
        let v = CacheJudge.judge(expectation(.absent), trigger: F.trigger, baseline: sample(-5, ["status": "NEW"]),
                                 samples: [sample(500, ["status": "NEW"]), sample(1000, ["status": "NEW"])])
        #expect(v.outcome == .failed && v.reason == .stale)
        #expect(v.message.contains("still {\"status\":\"NEW\"}") && v.message.contains("unchanged since before the step"), "\(v.message)")
        #expect(v.message.contains("+1000 ms"))
        let last = try #require(v.evidence.last)
        #expect(last.sinceTriggerMs == 1000 && last.text?.contains("NEW") == true)
    }

    @Test("equals waits for the new value; a value changed only after the deadline is late")
    func equalsAndLate() {
        let e = expectation(.equals(.object([F.member("status", "PAID")])))
        #expect(CacheJudge.judge(e, trigger: F.trigger, baseline: nil, samples: [sample(10, ["status": "NEW"]), sample(30, ["status": "PAID"])]).outcome == .passed)
        let late = CacheJudge.judge(e, trigger: F.trigger, baseline: nil, samples: [sample(900, ["status": "NEW"]), sample(1200, ["status": "PAID"])])
        #expect(late.reason == .late)
        #expect(CacheJudge.judge(e, trigger: F.trigger, baseline: nil, samples: [sample(1000, nil)]).reason == .stale,
                "a missing key is not the new value")
    }

    @Test("revalidation needs a fresh 2xx whose body matches; a 304 is the stale copy")
    func revalidation() {
        let e = expectation(.revalidates(body: .object([F.member("status", "PAID")])))
        #expect(CacheJudge.judge(e, trigger: F.trigger, baseline: nil, samples: [sample(10, .null, status: 304), sample(60, ["status": "PAID"], status: 200)]).outcome == .passed)
        let v = CacheJudge.judge(e, trigger: F.trigger, baseline: nil, samples: [sample(1000, .null, status: 304)])
        #expect(v.reason == .stale && v.message.contains("304"), "\(v.message)")
        #expect(CacheJudge.judge(e, trigger: F.trigger, baseline: nil, samples: [sample(50, ["status": "NEW"], status: 200)]).outcome == .failed,
                "fresh but the old content")
    }

    @Test("a known gap that fails is marked as such")
    func knownGap() {
        let v = CacheJudge.judge(expectation(.absent, knownGap: "MKT-7"), trigger: F.trigger, baseline: nil, samples: [sample(1000, "x")])
        #expect(v.outcome == .knownGap && v.knownGap == "MKT-7")
    }
}
