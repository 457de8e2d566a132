import HeraldCore
import HeraldJudge
import HeraldPlan
import Synchronization

/// How a load run goes: the levels of concurrency, in order, and how many rounds each worker runs.
public struct LoadOptions: Sendable {
    /// Workers at each level (`--concurrency 1,2,4,8`).
    public var levels: [Int]
    /// Times each worker runs the contracts at each level (`--rounds`).
    public var rounds: Int
    /// This machine's part (`--shard`): only its workers of each level run here.
    public var shard: Shard?

    /// Creates options.
    public init(levels: [Int], rounds: Int, shard: Shard? = nil) {
        self.levels = levels
        self.rounds = rounds
        self.shard = shard
    }
}

/// Where a load run is, for a progress line.
public struct LoadProgress: Sendable {
    /// The level, from 1, and how many there are.
    public var level: Int
    /// How many levels.
    public var levelCount: Int
    /// Workers at this level.
    public var workers: Int
    /// Flows of this level ended so far.
    public var flowsDone: Int
    /// Flows of this level in all.
    public var flowsTotal: Int
    /// Flows of this level that did not pass.
    public var flowsFailed: Int
}

/// Runs the contracts as a load run: at each level, that many workers at once, each running every contract `rounds`
/// times, one flow after another. A flow is a contract run on its own (its actors set up, its channels opened behind
/// the readiness barrier, its cleanup run), with a `${run.id}` of its own (the run's id, the level, the worker and the
/// round) and `${worker.index}` and `${round}` bound, so that flows never share actors or data.
public enum LoadRunner {
    /// Runs the levels in order. Never throws; cancelling the calling task (Ctrl-C) stops every worker at its next
    /// wait, and the flows under way still run their cleanup.
    public static func run(_ plans: [ContractPlan], load: LoadOptions, options: RunnerOptions,
                           progress: (@Sendable (LoadProgress) -> Void)? = nil) async -> LoadResult {
        let state = RunState()
        var levels: [LoadLevel] = []
        for (n, workers) in load.levels.enumerated() {
            if Task.isCancelled || state.stop.load(ordering: .relaxed) { break }
            let mine = (0..<workers).filter { load.shard?.owns($0) ?? true }
            let total = mine.count * max(1, load.rounds) * plans.count
            state.done.store(0, ordering: .relaxed)
            state.failed.store(0, ordering: .relaxed)
            let tell: @Sendable () -> Void = {
                progress?(LoadProgress(level: n + 1, levelCount: load.levels.count, workers: workers,
                                       flowsDone: state.done.load(ordering: .relaxed), flowsTotal: total,
                                       flowsFailed: state.failed.load(ordering: .relaxed)))
            }
            tell()
            let started = MonotonicInstant.now()
            let flows = await withTaskGroup(of: [FlowResult].self) { group in
                for worker in mine {
                    group.addTask {
                        await runWorker(worker, of: workers, plans: plans, rounds: load.rounds, options: options, state: state,
                                        tell: tell)
                    }
                }
                var all: [FlowResult] = []
                for await done in group { all += done }
                return all
            }
            // A flow judges its own connections; what one flow's backend call sent to another flow's actors is judged
            // across them.
            var judged = flows
            for (i, extra) in CrossFlowJudge.wrongRecipients(flows).enumerated() { judged[i].contract.verdicts += extra }
            levels.append(LoadLevel(workers: workers, rounds: load.rounds, flows: judged,
                                    duration: started.duration(to: MonotonicInstant.now())))
        }
        let interrupted = Task.isCancelled || levels.contains { $0.flows.contains { $0.contract.interrupted } }
        return LoadResult(levels: levels, interrupted: interrupted, stoppedEarly: state.stop.load(ordering: .relaxed),
                          strict: options.strict)
    }

    /// What the workers share: whether `--fail-fast` stopped the run, and the current level's counts.
    private final class RunState: Sendable {
        let stop = Atomic<Bool>(false)
        let done = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
    }

    /// One worker's flows: every contract, `rounds` times, until the run stops.
    private static func runWorker(_ worker: Int, of workers: Int, plans: [ContractPlan], rounds: Int, options: RunnerOptions,
                                  state: RunState, tell: @Sendable () -> Void) async -> [FlowResult] {
        var flows: [FlowResult] = []
        for round in 1...max(1, rounds) {
            for plan in plans {
                if Task.isCancelled || state.stop.load(ordering: .relaxed) { return flows }
                let flow = Self.flow(plan, workers: workers, worker: worker, round: round)
                var flowOptions = options
                flowOptions.progress = nil
                let result = await Runner.run([flow], options: flowOptions)
                for contract in result.contracts {
                    flows.append(FlowResult(worker: worker, round: round, contract: contract))
                    if contract.status(strict: options.strict) != .passed {
                        state.failed.add(1, ordering: .relaxed)
                        if options.failFast { state.stop.store(true, ordering: .relaxed) }
                    }
                    state.done.add(1, ordering: .relaxed)
                }
                tell()
            }
        }
        return flows
    }

    /// `plan` as the flow of `worker` in `round` at a level of `workers`: its own run id and position.
    static func flow(_ plan: ContractPlan, workers: Int, worker: Int, round: Int) -> ContractPlan {
        var flow = plan
        flow.options.runID = "\(plan.options.runID)-c\(workers)w\(worker)r\(round)"
        flow.options.flow = FlowPosition(worker: worker, round: round)
        return flow
    }
}
