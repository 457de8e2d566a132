import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import HeraldTransport
import Synchronization

/// How a load run goes: the levels of concurrency, in order, and how many rounds each worker runs.
public struct LoadOptions: Sendable {
    /// Workers at each level (`--concurrency 1,2,4,8`).
    public var levels: [Int]
    /// Times each worker runs the contracts at each level (`--rounds`).
    public var rounds: Int
    /// This machine's part (`--shard`): only its workers of each level run here.
    public var shard: Shard?
    /// How long each level lasts (`--duration`): its workers start round after round until it has passed (the flows
    /// under way end as usual), instead of stopping after `rounds`.
    public var duration: Duration?
    /// An open-model run (`--rate 1/s,2/s`): instead of closed-loop workers, each level starts flows at its arrival
    /// rate, `rounds` periods long (or for `duration`), whether or not the flows before them have ended.
    public var rates: [Rate]
    /// In an open-model run, the most flows under way at once (`--concurrency N`); `nil` for no limit. A flow whose
    /// time comes while the limit is reached waits for a slot, and starts late.
    public var maxInFlight: Int?

    /// Creates options.
    public init(levels: [Int], rounds: Int, shard: Shard? = nil, duration: Duration? = nil, rates: [Rate] = [],
                maxInFlight: Int? = nil) {
        self.levels = levels
        self.rounds = rounds
        self.shard = shard
        self.duration = duration
        self.rates = rates
        self.maxInFlight = maxInFlight
    }

    /// How many levels the run has.
    var levelCount: Int { rates.isEmpty ? levels.count : rates.count }
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
    /// Flows of this level in all; 0 when the level lasts a duration.
    public var flowsTotal: Int
    /// Flows of this level that did not pass.
    public var flowsFailed: Int
    /// The arrival rate of an open-model level (then ``workers`` is the most flows under way so far).
    public var rate: String? = nil

    /// `level 2/3 · 4 workers · 3/8 flows, 1 failed`, or `level 1/1 · rate 5/s · 12 flows`.
    public var line: String {
        "level \(level)/\(levelCount) · " + (rate.map { "rate \($0)" } ?? "\(workers) worker\(workers == 1 ? "" : "s")") + " · "
            + (flowsTotal > 0 ? "\(flowsDone)/\(flowsTotal) flows" : "\(flowsDone) flows") + (flowsFailed > 0 ? ", \(flowsFailed) failed" : "")
    }
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
        // Every flow's WebSocket connections share one engine: one libwebsockets context and service thread.
        let engine = SharedWebSocketEngine()
        let pool = Runner.LanePool()
        defer { pool.stop() }
        let options = { (given: RunnerOptions) in
            var o = given
            if o.sharedEngine == nil { o.sharedEngine = engine }
            return o
        }(options)
        for (n, rate) in load.rates.enumerated() {
            if Task.isCancelled || state.stop.load(ordering: .relaxed) { break }
            levels.append(await runOpenLevel(n, rate: rate, plans: plans, load: load, options: options, state: state, pool: pool,
                                             progress: progress))
        }
        for (n, workers) in load.levels.enumerated() where load.rates.isEmpty {
            if Task.isCancelled || state.stop.load(ordering: .relaxed) { break }
            let mine = (0..<workers).filter { load.shard?.owns($0) ?? true }
            let total = load.duration == nil ? mine.count * max(1, load.rounds) * plans.count : 0
            state.done.store(0, ordering: .relaxed)
            state.failed.store(0, ordering: .relaxed)
            let tell: @Sendable () -> Void = {
                progress?(LoadProgress(level: n + 1, levelCount: load.levelCount, workers: workers,
                                       flowsDone: state.done.load(ordering: .relaxed), flowsTotal: total,
                                       flowsFailed: state.failed.load(ordering: .relaxed)))
            }
            tell()
            let started = MonotonicInstant.now()
            let until = load.duration.map { started.advanced(by: $0) }
            let flows = await withTaskGroup(of: [FlowResult].self) { group in
                for worker in mine {
                    group.addTask {
                        await runWorker(worker, of: workers, plans: plans, rounds: load.rounds, until: until, options: options,
                                        lane: pool.lane(worker), state: state, tell: tell)
                    }
                }
                var all: [FlowResult] = []
                for await done in group { all += done }
                return all
            }
            let judged = judgedAcross(flows)
            let rounds = load.duration == nil ? load.rounds : (flows.map(\.round).max() ?? 0)
            levels.append(LoadLevel(workers: workers, rounds: rounds, flows: judged,
                                    duration: started.duration(to: MonotonicInstant.now())))
        }
        await engine.shutdown()
        let interrupted = Task.isCancelled || levels.contains { $0.flows.contains { $0.contract.interrupted } }
        return LoadResult(levels: levels, interrupted: interrupted, stoppedEarly: state.stop.load(ordering: .relaxed),
                          strict: options.strict)
    }

    /// What the workers share: whether `--fail-fast` stopped the run, and the current level's counts.
    final class RunState: Sendable {
        let stop = Atomic<Bool>(false)
        let done = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
    }

    /// One worker's flows: every contract, `rounds` times (or round after round until `until`), until the run stops.
    private static func runWorker(_ worker: Int, of workers: Int, plans: [ContractPlan], rounds: Int, until: MonotonicInstant?,
                                  options: RunnerOptions, lane: Runner.Lane, state: RunState, tell: @Sendable () -> Void) async -> [FlowResult] {
        var flows: [FlowResult] = []
        // The worker's flows run one after another on one lane (an execution thread it shares with other workers).
        var round = 0
        while true {
            round += 1
            if let until { if round > 1 && MonotonicInstant.now() >= until { return flows } } else if round > max(1, rounds) { return flows }
            for plan in plans {
                if Task.isCancelled || state.stop.load(ordering: .relaxed) { return flows }
                let flow = Self.flow(plan, runID: "\(plan.options.runID)-c\(workers)w\(worker)r\(round)", worker: worker, round: round)
                flows += await runFlow(flow, worker: worker, round: round, lag: nil, options: options, state: state, lane: lane)
                tell()
            }
        }
    }

    /// Runs one flow and counts how it ended.
    static func runFlow(_ flow: ContractPlan, worker: Int, round: Int, lag: Duration?, options: RunnerOptions,
                        state: RunState, lane: Runner.Lane) async -> [FlowResult] {
        var flowOptions = options
        flowOptions.progress = nil
        let result = await Runner.run([flow], options: flowOptions, lane: lane)
        var flows: [FlowResult] = []
        for contract in result.contracts {
            flows.append(FlowResult(worker: worker, round: round, contract: contract, lag: lag))
            if contract.status(strict: options.strict) != .passed {
                state.failed.add(1, ordering: .relaxed)
                if options.failFast { state.stop.store(true, ordering: .relaxed) }
            }
            state.done.add(1, ordering: .relaxed)
        }
        return flows
    }

    /// `plan` as the flow of `worker` in `round`, with the run id `runID`.
    static func flow(_ plan: ContractPlan, runID: String, worker: Int, round: Int) -> ContractPlan {
        var flow = plan
        flow.options.runID = runID
        flow.options.flow = FlowPosition(worker: worker, round: round)
        flow.options.inLoadRun = true
        return flow
    }
}
