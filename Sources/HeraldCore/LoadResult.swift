/// What one flow of a load run produced: a contract run once, by one worker, in one round.
public struct FlowResult: Sendable {
    /// The worker, from 0.
    public var worker: Int
    /// The round, from 1.
    public var round: Int
    /// The contract's result for this flow.
    public var contract: ContractResult
    /// In an open-model run (`--rate`), how long after its scheduled time the flow started; `nil` in a closed one.
    public var lag: Duration?

    /// Creates a flow's result.
    public init(worker: Int, round: Int, contract: ContractResult, lag: Duration? = nil) {
        self.worker = worker
        self.round = round
        self.contract = contract
        self.lag = lag
    }
}

/// One level of a load run: `workers` workers, each running the contracts `rounds` times.
public struct LoadLevel: Sendable {
    /// How many workers ran at once.
    public var workers: Int
    /// How many times each worker ran the contracts.
    public var rounds: Int
    /// Every flow, in the order they ended.
    public var flows: [FlowResult]
    /// Wall time of the level.
    public var duration: Duration
    /// The arrival rate of an open-model level (`5/s`), as written; `nil` for a level of closed-loop workers.
    public var rate: String?
    /// Flows of an open-model level that started more than ``lateAfter`` after their scheduled time.
    public var late: Int
    /// Flows of an open-model level that were scheduled but never started: the run stopped, or no flow slot freed
    /// up before the level's schedule ended.
    public var dropped: Int

    /// How late a scheduled flow may start before it counts as late.
    public static let lateAfter = Duration.milliseconds(10)

    /// Creates a level's result; for an open-model level, `workers` is the most flows that were under way at once.
    public init(workers: Int, rounds: Int, flows: [FlowResult], duration: Duration, rate: String? = nil, late: Int = 0,
                dropped: Int = 0) {
        self.workers = workers
        self.rounds = rounds
        self.flows = flows
        self.duration = duration
        self.rate = rate
        self.late = late
        self.dropped = dropped
    }
}

/// Everything a load run produced: its levels, in the order they ran.
public struct LoadResult: Sendable {
    /// The levels that ran.
    public var levels: [LoadLevel]
    /// Whether an interrupt stopped the run.
    public var interrupted: Bool
    /// Whether `--fail-fast` stopped the run after a failed flow.
    public var stoppedEarly: Bool
    /// Whether known gaps fail the run (`--strict`).
    public var strict: Bool

    /// Creates a result.
    public init(levels: [LoadLevel], interrupted: Bool, stoppedEarly: Bool, strict: Bool) {
        self.levels = levels
        self.interrupted = interrupted
        self.stoppedEarly = stoppedEarly
        self.strict = strict
    }

    /// The exit status: the worst of every flow's, as for a plain run; an interrupt fails the run.
    public var exitStatus: ExitStatus {
        var status = ExitStatus.passed
        for level in levels {
            for flow in level.flows { status = max(status, flow.contract.status(strict: strict)) }
        }
        if interrupted { status = max(status, .failed) }
        return status
    }

    /// Every flow's result as one plain run's, for the reports that show contracts.
    public var runResult: RunResult {
        RunResult(contracts: levels.flatMap { $0.flows.map(\.contract) }, interrupted: interrupted, skipped: [], strict: strict)
    }
}

/// One part of a run split across machines (`--shard 2/4`): the contracts of a plain run, or the workers of each
/// level of a load run, whose position counted from 0 leaves `index - 1` when divided by `count`.
public struct Shard: Sendable, Hashable, CustomStringConvertible {
    /// This part, from 1.
    public var index: Int
    /// How many parts.
    public var count: Int

    /// A part; `nil` unless 1 ≤ `index` ≤ `count`.
    public init?(index: Int, count: Int) {
        guard count >= 1, (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Reads `2/4`.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else { return nil }
        self.init(index: i, count: n)
    }

    /// Whether the item at `position` (from 0) is this part's.
    public func owns(_ position: Int) -> Bool { position % count == index - 1 }

    /// `2/4`.
    public var description: String { "\(index)/\(count)" }
}
