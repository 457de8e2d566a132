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
    public var onEntry: (@Sendable (LiveEntry) -> Void)?
    /// Opens channel connections in place of the real transports (tests); `nil`, the default, for the real ones.
    var connector: ChannelConnector?

    /// Creates options.
    public init(failFast: Bool = false, strict: Bool = false, insecure: Bool = false,
                progress: (@Sendable (Progress) -> Void)? = nil, onEntry: (@Sendable (LiveEntry) -> Void)? = nil) {
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
        // The contracts run on a thread of their own, where their HTTP requests run in place.
        let thread = ExecutionThread()
        defer { thread?.stop() }
        for (i, plan) in plans.enumerated() {
            if interrupted || Task.isCancelled || (options.failFast && results.contains { $0.status(strict: options.strict) != .passed }) {
                skipped.append(plan.contract.name)
                interrupted = interrupted || Task.isCancelled
                continue
            }
            let report: @Sendable (String) -> Void = { activity in
                options.progress?(.init(contractIndex: i + 1, contractCount: plans.count, contract: plan.contract.name, activity: activity))
            }
            let result = await ChannelConnector.$current.withValue(options.connector) {
                await withTaskExecutorPreference(thread) {
                    await ContractExecution.run(plan, client: client, options: options, progress: report)
                }
            }
            interrupted = interrupted || result.interrupted
            results.append(result)
        }
        return RunResult(contracts: results, interrupted: interrupted, skipped: skipped, strict: options.strict)
    }

    /// `herald tail`: opens `channels` of `plan` as `actor` (after the health checks and that actor's setup steps) and
    /// hands every timeline entry to `options.onEntry` until `duration` passes or the calling task is cancelled.
    /// Cleanup steps run at the end. Throws when a channel or the actor is not in the contract.
    public static func tail(_ plan: ContractPlan, channels: [String], actor: ActorReference?, duration: Duration?,
                            options: RunnerOptions) async throws -> ContractResult {
        let contract = plan.contract
        var instance: ActorInstance?
        if let actor {
            guard let found = plan.instance(actor) else {
                throw InfrastructureError("the contract has no actor \(actor)",
                                          hint: "actors: \(plan.actors.map(\.description).joined(separator: ", "))")
            }
            instance = found
        }
        for name in channels {
            guard let channel = contract.channels.first(where: { $0.name == name }) else {
                throw InfrastructureError("the contract has no channel '\(name)'",
                                          hint: "channels: \(contract.channels.map(\.name).joined(separator: ", "))")
            }
            let subscribers = plan.subscribers(of: channel)
            if !subscribers.isEmpty, !subscribers.contains(where: { $0 == instance }) {
                throw InfrastructureError("channel '\(name)' has one connection per actor; say whose with --as",
                                          hint: "its actors: \(subscribers.map(\.description).joined(separator: ", "))")
            }
        }
        return await ChannelConnector.$current.withValue(options.connector) {
            await ContractExecution.run(
                plan, client: HTTPClient(), options: options, tail: .init(channels: Set(channels), actor: instance, duration: duration), progress: { activity in
                    options.progress?(.init(contractIndex: 1, contractCount: 1, contract: contract.name, activity: activity))
                })
        }
    }
}
