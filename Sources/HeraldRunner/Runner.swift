import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldTransport

/// How contracts are run.
public struct RunnerOptions: Sendable {
    /// Stop at the first failed expectation (cleanup still runs) and skip the remaining contracts.
    public var failFast: Bool
    /// Known gaps fail the run.
    public var strict: Bool
    /// Skip TLS certificate verification everywhere.
    public var insecure: Bool
    /// Told what the run is doing, for a progress line.
    public var progress: (@Sendable (Progress) -> Void)?
    /// Sees every timeline entry as it is recorded (for live traces).
    public var onEntry: (@Sendable (String, TimelineEntry) -> Void)?

    /// Creates options.
    public init(failFast: Bool = false, strict: Bool = false, insecure: Bool = false,
                progress: (@Sendable (Progress) -> Void)? = nil, onEntry: (@Sendable (String, TimelineEntry) -> Void)? = nil) {
        self.failFast = failFast
        self.strict = strict
        self.insecure = insecure
        self.progress = progress
        self.onEntry = onEntry
    }

    /// Where a run is.
    public struct Progress: Sendable {
        /// Contract number, from 1.
        public var contractIndex: Int
        /// How many contracts.
        public var contractCount: Int
        /// The contract's name.
        public var contract: String
        /// What it is doing ("connecting", "step 3/8: POST api /offers").
        public var activity: String
    }
}

/// Runs planned contracts one after another over real connections, and judges them.
public enum Runner {
    /// Runs every plan. Never throws: infrastructure errors and interrupts end up in the result, and cleanup steps
    /// always run. Cancelling the calling task (Ctrl-C) stops the run at the next wait.
    public static func run(_ plans: [ContractPlan], options: RunnerOptions) async -> RunResult {
        var results: [ContractResult] = []
        var skipped: [String] = []
        var interrupted = false
        let client = HTTPClient()
        for (i, plan) in plans.enumerated() {
            if interrupted || Task.isCancelled || (options.failFast && results.contains { $0.status(strict: options.strict) != .passed }) {
                skipped.append(plan.contract.name)
                interrupted = interrupted || Task.isCancelled
                continue
            }
            let report: @Sendable (String) -> Void = { activity in
                options.progress?(.init(contractIndex: i + 1, contractCount: plans.count, contract: plan.contract.name, activity: activity))
            }
            let result = await ContractExecution.run(plan, client: client, options: options, progress: report)
            interrupted = interrupted || result.interrupted
            results.append(result)
        }
        return RunResult(contracts: results, interrupted: interrupted, skipped: skipped, strict: options.strict)
    }
}
