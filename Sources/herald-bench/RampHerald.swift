import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldRunner

/// The Herald side of the ramp benchmark: a generated contract of K cycle steps and a marker step, with one actor
/// whose WebSocket channel and POST bodies carry `${worker.index}`, run as a load run (`LoadRunner`) of N workers for
/// a set time, so that each worker is an actor of its own with its own connection.
///
/// Each step POSTs `{"actor":w,"id":k}` to /echo, expects 200 and one `match` on the frame the server pushes on
/// worker w's connection (`/ws/actor/w`). A cycle's latency is read off its flow's timeline, as in the trigger
/// benchmark: from the step's `request` entry to the next step's `step` entry.
struct RampHerald {
    /// The contract file.
    let contractPath: String
    /// Cycle steps per flow (one contract run).
    let cyclesPerFlow: Int

    /// What one level left besides its figures: the flows, and the first few problems met.
    struct Level {
        /// The figures.
        var figures: RampFigures
        /// Flows (contract runs) that ended in the level.
        var flows: Int
        /// Event expectations that failed.
        var failedEvents: Int
        /// Flows that ended with an infrastructure error.
        var infrastructureErrors: Int
        /// Up to three messages of failed verdicts and infrastructure errors.
        var problems: [String]

        /// Adds another part of the same level.
        mutating func add(_ other: Level) {
            figures.add(other.figures)
            flows += other.flows
            failedEvents += other.failedEvents
            infrastructureErrors += other.infrastructureErrors
            problems = Array((problems + other.problems).prefix(3))
        }
    }

    /// The YAML text of the contract for the server on `port`.
    static func yaml(port: UInt16, cycles: Int) -> String {
        let steps = (0..<cycles).map { k in
            """
              - name: cycle \(k)
                http: POST echo /echo
                as: client
                json: { actor: "${worker.index}", id: \(k) }
                expect: { status: 200 }
                events:
                  - { channel: pushes, match: { type: echo, actor: "${worker.index}", id: \(k) } }
            """
        }
        return """
            contract: herald-bench ramp cycles
            description: \(cycles) cycles of a POST and the WebSocket frame it causes, on the worker's own connection.
            defaults:
              within: 10s
            services:
              echo:
                url: "http://127.0.0.1:\(port)"
            actors:
              client: {}
            channels:
              pushes:
                websocket: "echo /ws/actor/${worker.index}"
                for: [client]
            steps:
            \(steps.joined(separator: "\n"))
              - name: after the cycles
                sleep: 0s

            """
    }

    /// Writes the contract into `folder`.
    init(folder: String, port: UInt16, cyclesPerFlow: Int) throws {
        contractPath = (folder as NSString).appendingPathComponent("ramp.yaml")
        self.cyclesPerFlow = cyclesPerFlow
        try Self.yaml(port: port, cycles: cyclesPerFlow).write(toFile: contractPath, atomically: true, encoding: .utf8)
    }

    /// Loads and plans the contract, then runs one level of `actors` workers for `seconds` seconds.
    func run(actors: Int, seconds: Int) async throws -> Level {
        let plans = try Planner.plan(try ContractLoader.load(paths: [contractPath]), options: RunOptions(environment: [:]))
        let cpu0 = CPUClock.seconds()
        let result = await LoadRunner.run(plans, load: LoadOptions(levels: [actors], rounds: 1, duration: .seconds(seconds)),
                                          options: RunnerOptions())
        let cpu = CPUClock.seconds() - cpu0
        guard let level = result.levels.first else { throw BenchFailure("the load run ran no level") }
        var figures = RampFigures(cycles: 0, timeouts: 0, wall: level.duration.seconds, cpu: cpu, latency: Latency())
        var failedEvents = 0, infrastructureErrors = 0
        var problems: [String] = []
        for flow in level.flows {
            let contract = flow.contract
            if let infra = contract.infrastructureError {
                infrastructureErrors += 1
                if problems.count < 3 { problems.append("worker \(flow.worker), round \(flow.round): \(infra)") }
            }
            let failed = contract.verdicts.filter { $0.outcome == .failed }
            failedEvents += failed.filter { Self.eventKinds.contains($0.kind) }.count
            for v in failed where problems.count < 3 { problems.append("worker \(flow.worker), round \(flow.round): \(v.id): \(v.message)") }
            let completed = completedCycles(contract.timeline, failedSteps: Set(failed.map(\.step)))
            for ns in completed { figures.latency.record(nanoseconds: ns) }
            figures.cycles += completed.count
            figures.timeouts += cyclesPerFlow - completed.count
        }
        return Level(figures: figures, flows: level.flows.count, failedEvents: failedEvents,
                     infrastructureErrors: infrastructureErrors, problems: problems)
    }

    /// The verdict kinds of event expectations.
    private static let eventKinds: Set<Verdict.Kind> = [.match, .sequence, .count, .absent, .recipients]

    /// The latency of each completed cycle of one flow: its step started, sent its request, had no failed verdict,
    /// and the next step started; request → next step, in nanoseconds.
    private func completedCycles(_ timeline: [TimelineEntry], failedSteps: Set<String>) -> [UInt64] {
        var steps: [(label: String, at: MonotonicInstant, request: MonotonicInstant?)] = []
        for entry in timeline.sorted(by: { $0.seq < $1.seq }) {
            switch entry.event {
            case .step(let record):
                steps.append((record.label, entry.at, nil))
            case .request where steps.last.map({ $0.request == nil }) == true:
                steps[steps.count - 1].request = entry.at
            default:
                continue
            }
        }
        var out: [UInt64] = []
        for k in 0..<min(cyclesPerFlow, max(0, steps.count - 1)) {
            guard let sent = steps[k].request, !failedSteps.contains(steps[k].label) else { continue }
            out.append(sent.duration(to: steps[k + 1].at).nanoseconds)
        }
        return out
    }
}
