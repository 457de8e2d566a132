import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldRunner
import Synchronization

/// The Herald side of the idle benchmark: a generated contract whose actor has `count: N` and one WebSocket channel
/// `for:` it, run through ContractLoader, Planner and Runner. Its first step sleeps; RSS is read during it, with
/// every connection open (the runner opens them all before the first step). Its second step asks the server how
/// many connections it holds and expects exactly N.
struct IdleHerald {
    /// The contract file.
    let contractPath: String
    /// How many connections.
    let connections: Int
    /// How long after the first step starts RSS is read.
    let settle: Duration

    /// What one run measured.
    struct Measurement {
        /// VmRSS just before `Runner.run`, KiB.
        var rssBeforeKiB: Int
        /// VmRSS during the sleep step, all connections open, KiB.
        var rssOpenKiB: Int
        /// `Runner.run` start → the sleep step starts (every connection open).
        var connectTime: Duration

        /// (open − before) ÷ N.
        func kibPerConnection(_ n: Int) -> Double { Double(rssOpenKiB - rssBeforeKiB) / Double(n) }
    }

    /// When the connections were all open, and the RSS read during the sleep.
    private final class Sample: Sendable {
        /// The instant the sleep step started, and VmRSS in KiB read during it.
        let state = Mutex<(connected: MonotonicInstant?, rss: Int?)>((nil, nil))
    }

    /// The YAML text of the contract for the idle server on `port`.
    static func yaml(port: UInt16, connections: Int, hold: Duration) -> String {
        """
        contract: herald-bench idle connections
        description: \(connections) actors each hold one quiet WebSocket connection.
        defaults:
          connect_timeout: \(max(60, connections / 50))s
        services:
          park:
            url: "http://127.0.0.1:\(port)"
            health: /health
        actors:
          holder:
            count: \(connections)
        channels:
          idle:
            websocket: "park /ws/idle"
            for: [holder]
        steps:
          - name: hold the connections
            sleep: \(Int(hold.seconds * 1000))ms
          - name: the server holds them all
            http: GET park /stats
            expect: { status: 200, body: { open: \(connections) } }

        """
    }

    /// Writes the contract into `folder`.
    init(folder: String, port: UInt16, connections: Int, settle: Duration) throws {
        contractPath = (folder as NSString).appendingPathComponent("idle.yaml")
        self.connections = connections
        self.settle = settle
        try Self.yaml(port: port, connections: connections, hold: settle * 2).write(toFile: contractPath, atomically: true, encoding: .utf8)
    }

    /// Loads, plans and runs the contract once; throws when it did not pass or RSS could not be read.
    func run() async throws -> Measurement {
        let plans = try Planner.plan(try ContractLoader.load(paths: [contractPath]), options: RunOptions(environment: [:]))
        let sample = Sample()
        let settle = self.settle
        let options = RunnerOptions(progress: { progress in
            guard progress.activity.hasPrefix("step 1/") else { return }
            sample.state.withLock { $0.connected = .now() }
            // Read RSS a while into the sleep, off the runner's threads.
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: settle.seconds)
                let rss = ProcessMemory.residentKiB()
                sample.state.withLock { $0.rss = rss }
            }
        })
        guard let before = ProcessMemory.residentKiB() else { throw BenchFailure("cannot read VmRSS from /proc/self/status") }
        let start = MonotonicInstant.now()
        let result = await Runner.run(plans, options: options)
        _ = try result.passedContract("idle")
        let (connected, rss) = sample.state.withLock { ($0.connected, $0.rss) }
        guard let connected, let rss else { throw BenchFailure("RSS was not read while the connections were open") }
        return Measurement(rssBeforeKiB: before, rssOpenKiB: rss, connectTime: start.duration(to: connected))
    }
}
