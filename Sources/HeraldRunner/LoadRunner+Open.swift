import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import Synchronization

extension LoadRunner {
    /// One level of an open-model run: flow k is scheduled `k × interval` after the level starts and starts then,
    /// whatever the flows before it are doing (unless `maxInFlight` flows are under way: then it waits for a slot and
    /// starts late). Each flow records how late it started, so that its latency can be read from its scheduled time
    /// as well as from its real start: a server that stalls makes later flows late, and cannot hide in the
    /// percentiles of the flows that did run (coordinated omission).
    ///
    /// A flow still waiting for a slot when the level's schedule ends (one interval after the last scheduled start),
    /// and every flow after it, is dropped and counted, as are the flows not started when the run stops. With a shard, this machine starts the flows whose number leaves
    /// `index - 1` divided by the shard count, so that the machines together keep the rate.
    static func runOpenLevel(_ n: Int, rate: Rate, plans: [ContractPlan], load: LoadOptions,
                             options: RunnerOptions, state: RunState, pool: Runner.LanePool,
                             progress: (@Sendable (LoadProgress) -> Void)?) async -> LoadLevel {
        let interval = rate.interval
        let scheduled = load.duration.map { max(1, Int(($0 / interval).rounded(.down))) } ?? rate.count * max(1, load.rounds)
        let mine = (0..<scheduled).filter { load.shard?.owns($0) ?? true }
        state.done.store(0, ordering: .relaxed)
        state.failed.store(0, ordering: .relaxed)
        let counts = InFlight()
        let tell: @Sendable () -> Void = {
            progress?(LoadProgress(level: n + 1, levelCount: load.levelCount, workers: counts.peak.load(ordering: .relaxed),
                                   flowsDone: state.done.load(ordering: .relaxed), flowsTotal: mine.count * plans.count,
                                   flowsFailed: state.failed.load(ordering: .relaxed), rate: rate.description))
        }
        tell()
        let started = MonotonicInstant.now()
        let scheduleEnd = started.advanced(by: interval * scheduled)
        var dropped = 0
        let flows = await withTaskGroup(of: [FlowResult].self) { group in
            var all: [FlowResult] = []
            var running = 0
            for (position, k) in mine.enumerated() {
                let due = started.advanced(by: interval * k)
                // Until the flow's scheduled time: a schedule kept, not a condition polled.
                let wait = MonotonicInstant.now().duration(to: due)
                if wait > .zero { try? await Task.sleep(for: wait) }
                var waited = false
                if let limit = load.maxInFlight {
                    while running >= limit, let done = await group.next() {
                        all += done
                        running -= 1
                        waited = true
                    }
                }
                if Task.isCancelled || state.stop.load(ordering: .relaxed) || (waited && MonotonicInstant.now() > scheduleEnd) {
                    dropped = mine.count - position
                    break
                }
                running += 1
                group.addTask {
                    let lag = due.duration(to: MonotonicInstant.now())
                    counts.enter()
                    defer { counts.now.subtract(1, ordering: .relaxed) }
                    var out: [FlowResult] = []
                    // Flow k of a rate of c per period: the k % c-th of period k / c + 1, so `${worker.index}` and
                    // `${round}` tell every flow of the level apart.
                    let worker = k % rate.count, round = k / rate.count + 1
                    for plan in plans {
                        let flow = Self.flow(plan, runID: "\(plan.options.runID)-a\(n + 1)f\(k)", worker: worker, round: round)
                        out += await runFlow(flow, worker: worker, round: round, lag: lag, options: options, state: state,
                                            lane: pool.lane(k))
                    }
                    tell()
                    return out
                }
            }
            for await done in group { all += done }
            return all
        }
        let late = flows.filter { ($0.lag ?? .zero) > LoadLevel.lateAfter }.count
        return LoadLevel(workers: counts.peak.load(ordering: .relaxed), rounds: max(1, load.rounds), flows: judgedAcross(flows),
                         duration: started.duration(to: MonotonicInstant.now()), rate: rate.description, late: late,
                         dropped: dropped * plans.count)
    }

    /// Flows under way, and the most that were at once.
    private final class InFlight: Sendable {
        let now = Atomic<Int>(0)
        let peak = Atomic<Int>(0)

        func enter() {
            let n = now.add(1, ordering: .relaxed).newValue
            peak.max(n, ordering: .relaxed)
        }
    }

    /// `flows` with the wrong recipients judged across them: what one flow's backend call sent to another flow's
    /// actors (each flow judges only its own connections).
    static func judgedAcross(_ flows: [FlowResult]) -> [FlowResult] {
        var judged = flows
        for (i, extra) in CrossFlowJudge.wrongRecipients(flows).enumerated() { judged[i].contract.verdicts += extra }
        return judged
    }
}
