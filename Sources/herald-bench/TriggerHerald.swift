import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldRunner
import Synchronization

/// The Herald side of the trigger benchmark: a generated contract of W + N steps, each a POST /echo with
/// `{"id":k}` that expects 200 and one `match` on the frame the server pushes for it, then a marker step; run
/// through ContractLoader, Planner and Runner.
///
/// A cycle's latency is read off the run's timeline: from the step's `request` entry (stamped as the request goes
/// to libcurl) to the next step's `step` entry (stamped when the runner moves on: the response checked and the
/// `match` expectation decided, passed).
struct TriggerHerald {
    /// The contract file.
    let contractPath: String
    /// Warm-up cycles, not measured.
    let warmup: Int
    /// Measured cycles.
    let cycles: Int

    /// What one run measured.
    struct Measurement {
        /// The measured cycles' latencies.
        var latency: Latency
        /// CPU seconds of this process over the measured cycles.
        var cpu: Double
    }

    /// CPU seconds when the first measured step and the marker step started.
    private final class Marks: Sendable {
        /// (first measured step, marker step).
        let state = Mutex<(first: Double?, marker: Double?)>((nil, nil))
    }

    /// The YAML text of the contract for the server on `port`.
    static func yaml(port: UInt16, steps: Int) -> String {
        let cycles = (0..<steps).map { k in
            """
              - name: cycle \(k)
                http: POST echo /echo
                as: client
                json: { id: \(k) }
                expect: { status: 200 }
                events:
                  - { channel: pushes, match: { type: echo, id: \(k) } }
            """
        }
        return """
            contract: herald-bench trigger cycles
            description: \(steps) cycles of a POST and the WebSocket frame it causes.
            defaults:
              within: 10s
            services:
              echo:
                url: "http://127.0.0.1:\(port)"
                health: /health
            actors:
              client: {}
            channels:
              pushes:
                websocket: "echo /ws/pushes"
                for: [client]
            steps:
            \(cycles.joined(separator: "\n"))
              - name: after the cycles
                http: GET echo /health
                expect: { status: 200 }

            """
    }

    /// Writes the contract into `folder`.
    init(folder: String, port: UInt16, warmup: Int, cycles: Int) throws {
        contractPath = (folder as NSString).appendingPathComponent("trigger.yaml")
        self.warmup = warmup
        self.cycles = cycles
        try Self.yaml(port: port, steps: warmup + cycles).write(toFile: contractPath, atomically: true, encoding: .utf8)
    }

    /// Loads, plans and runs the contract once; throws unless every verdict passed.
    func run() async throws -> Measurement {
        let plans = try Planner.plan(try ContractLoader.load(paths: [contractPath]), options: RunOptions(environment: [:]))
        let marks = Marks()
        let first = "step \(warmup + 1)/", marker = "step \(warmup + cycles + 1)/"
        let options = RunnerOptions(progress: { progress in
            if progress.activity.hasPrefix(first) {
                let cpu = CPUClock.seconds()
                marks.state.withLock { $0.first = cpu }
            } else if progress.activity.hasPrefix(marker) {
                let cpu = CPUClock.seconds()
                marks.state.withLock { $0.marker = cpu }
            }
        })
        let result = await Runner.run(plans, options: options)
        let contract = try result.passedContract("trigger")
        let (cpuFirst, cpuMarker) = marks.state.withLock { ($0.first, $0.marker) }
        guard let cpuFirst, let cpuMarker else { throw BenchFailure("the runner never reported the measured steps") }
        return Measurement(latency: try latencies(contract.timeline), cpu: cpuMarker - cpuFirst)
    }

    /// Request of step k → start of step k + 1, for the measured steps.
    private func latencies(_ timeline: [TimelineEntry]) throws -> Latency {
        var stepStarts: [MonotonicInstant] = []
        var requests: [MonotonicInstant?] = []
        for entry in timeline.sorted(by: { $0.seq < $1.seq }) {
            switch entry.event {
            case .step:
                stepStarts.append(entry.at)
                requests.append(nil)
            case .request where requests.last.map({ $0 == nil }) == true:
                requests[requests.count - 1] = entry.at
            default:
                continue
            }
        }
        let steps = warmup + cycles + 1
        guard stepStarts.count == steps else { throw BenchFailure("the timeline holds \(stepStarts.count) steps, not \(steps)") }
        var latency = Latency()
        for k in warmup..<(warmup + cycles) {
            guard let sent = requests[k] else { throw BenchFailure("step \(k + 1) has no request on the timeline") }
            latency.record(nanoseconds: sent.duration(to: stepStarts[k + 1]).nanoseconds)
        }
        return latency
    }
}
