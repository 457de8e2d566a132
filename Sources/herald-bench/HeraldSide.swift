import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldRunner
import Synchronization

/// The Herald side of the ingest benchmark: the real pipeline (ContractLoader → Planner → Runner) on a generated
/// contract, timed from the burst's trigger.
struct HeraldSide {
    /// The contract file.
    let contractPath: String

    /// What one run measured.
    struct Measurement {
        /// Trigger → the last frame received by the transport library (its receive stamp on the timeline): the
        /// transport's share.
        var toLastFrame: Duration
        /// Trigger → every expectation of the burst step decided (the next step starts).
        var toDecided: Duration
        /// Trigger → `Runner.run` returned (connections closed, the verdicts collected).
        var toEnd: Duration
        /// CPU seconds of this process from the start of `Runner.run` until the expectations were decided.
        var cpuToDecided: Double
        /// CPU seconds of this process for the whole `Runner.run`.
        var cpuToEnd: Double
        /// Peak resident set of this process during `Runner.run` (`VmHWM`, reset just before), in KiB: the
        /// receiving process's whole footprint, bench included.
        var peakRSSKiB: Int?
    }

    /// Instants the runner's progress callback saw, by activity.
    private final class Marks: Sendable {
        /// Instant and CPU seconds when the burst step started (its trigger) and when the step after it started.
        let state = Mutex<(trigger: (MonotonicInstant, Double)?, decided: (MonotonicInstant, Double)?)>((nil, nil))

        /// Records `activity` if it is the start of the first or the second step.
        func see(_ activity: String) {
            let now = MonotonicInstant.now()
            if activity.hasPrefix("step 1/") {
                state.withLock { $0.trigger = (now, CPUClock.seconds()) }
            } else if activity.hasPrefix("step 2/") {
                let cpu = CPUClock.seconds()
                state.withLock { $0.decided = (now, cpu) }
            }
        }
    }

    /// Writes `contract` (the YAML text) into `folder`.
    init(folder: String, contract: String) throws {
        contractPath = (folder as NSString).appendingPathComponent("ingest.yaml")
        try contract.write(toFile: contractPath, atomically: true, encoding: .utf8)
    }

    /// Loads, plans and runs the contract once; throws when any expectation did not pass.
    func run() async throws -> Measurement {
        let contracts = try ContractLoader.load(paths: [contractPath])
        let plans = try Planner.plan(contracts, options: RunOptions(environment: [:]))
        let marks = Marks()
        let options = RunnerOptions(progress: { marks.see($0.activity) })
        let peakReset = ProcessMemory.resetPeak()
        let cpuStart = CPUClock.seconds()
        let result = await Runner.run(plans, options: options)
        let end = MonotonicInstant.now()
        let cpuEnd = CPUClock.seconds()
        let peak = peakReset ? ProcessMemory.peakKiB() : nil
        try Self.check(result)
        let (trigger, decided) = marks.state.withLock { ($0.trigger, $0.decided) }
        guard let trigger, let decided else { throw BenchFailure("the runner never reported the burst step and the one after it") }
        let lastFrame = result.contracts[0].timeline.lazy.filter { $0.frame != nil }.map(\.at).max() ?? trigger.0
        return Measurement(toLastFrame: trigger.0.duration(to: lastFrame), toDecided: trigger.0.duration(to: decided.0), toEnd: trigger.0.duration(to: end),
                           cpuToDecided: decided.1 - cpuStart, cpuToEnd: cpuEnd - cpuStart, peakRSSKiB: peak)
    }

    /// Fails loudly unless the run passed with every one of the burst's expectations passed.
    private static func check(_ result: RunResult) throws {
        guard let contract = result.contracts.first else { throw BenchFailure("the contract did not run") }
        let events = contract.verdicts.filter { $0.step.hasPrefix("step 1") && [.match, .sequence].contains($0.kind) }
        let failed = contract.verdicts.filter { $0.outcome != .passed }
        let passedEvents = events.filter { $0.outcome == .passed }.count
        if let infra = contract.infrastructureError { throw BenchFailure("the Herald run hit an infrastructure error: \(infra)") }
        if result.exitStatus != .passed || !failed.isEmpty || passedEvents != BurstContract.expectationCount {
            let lines = failed.prefix(5).map { "  \($0.outcome.rawValue): \($0.id): \($0.message)" }
            throw BenchFailure("""
                the Herald run did not pass (exit status \(result.exitStatus), \(passedEvents)/\(BurstContract.expectationCount) \
                event expectations passed, \(failed.count) verdicts not passed); the measurement is void:
                \(lines.joined(separator: "\n"))
                """)
        }
    }
}

/// The benchmark cannot produce a valid measurement.
struct BenchFailure: Error, CustomStringConvertible {
    /// Why.
    let description: String
    /// Wraps a message.
    init(_ description: String) { self.description = description }
}
