import HeraldContract
import HeraldCore

extension CacheJudge {
    /// The verdict for a cache expectation of a step whose action did not complete: not run, reason `interrupted`,
    /// so that the report still lists it.
    public static func notChecked(_ e: BoundCacheExpectation) -> Verdict {
        Verdict(id: e.id, contract: e.contract, step: e.step, kind: .cache, outcome: .notRun, reason: .interrupted,
                message: "\(e.what) was not checked: the step did not complete", location: e.location, knownGap: e.knownGap)
    }
}
