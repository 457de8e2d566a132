import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldTransport
import Synchronization

/// How contracts are run.
public struct RunnerOptions: Sendable {
    /// Stop at the first failed expectation (cleanup still runs) and skip the remaining contracts.
    public var failFast: Bool
    /// Known gaps fail the run.
    public var strict: Bool
    /// Skip TLS certificate verification everywhere.
    public var insecure: Bool
    /// How many contracts run at once (`--jobs`); each has its own actors.
    public var jobs = 1
    /// Told what the run is doing, for a progress line.
    public var progress: (@Sendable (Progress) -> Void)?
    /// Sees every timeline entry as it is recorded (for live traces).
    public var onEntry: (@Sendable (LiveEntry) -> Void)?
    /// Opens channel connections in place of the real transports (tests); `nil`, the default, for the real ones.
    var connector: ChannelConnector?
    /// The WebSocket engine the contracts' connections share (a load run's flows, contracts run with `jobs`); `nil`
    /// for one per contract.
    var sharedEngine: SharedWebSocketEngine?

    /// Creates options.
    public init(failFast: Bool = false, strict: Bool = false, insecure: Bool = false,
                progress: (@Sendable (Progress) -> Void)? = nil, onEntry: (@Sendable (LiveEntry) -> Void)? = nil, jobs: Int = 1) {
        self.failFast = failFast
        self.strict = strict
        self.insecure = insecure
        self.progress = progress
        self.onEntry = onEntry
        self.jobs = jobs
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
    /// Runs every plan, `options.jobs` at a time (one after another by default), each lane of contracts on an
    /// execution thread of its own. Never throws: infrastructure errors and interrupts end up in the result, and
    /// cleanup steps always run. Cancelling the calling task (Ctrl-C) stops the run at the next wait; contracts not
    /// started by then, or after a failure with `failFast`, are skipped. Results come in the plans' order.
    public static func run(_ plans: [ContractPlan], options: RunnerOptions) async -> RunResult {
        guard options.jobs > 1, plans.count > 1, options.sharedEngine == nil else {
            return await run(plans, options: options, lane: nil)
        }
        // Contracts that run at once share one WebSocket engine, so that the process has one libwebsockets context:
        // lws 4.1.6 formats its log lines, where Herald reads which framing rule a server broke, in one static
        // buffer, and two contexts logging at once could name one connection's violation for another.
        var shared = options
        let engine = SharedWebSocketEngine()
        shared.sharedEngine = engine
        let result = await run(plans, options: shared, lane: nil)
        await engine.shutdown()
        return result
    }

    /// What a lane keeps from one run to the next: the execution thread it runs on (with that thread's kept-alive
    /// connections) and its HTTP client. A load run's worker runs flow after flow on one; lanes share threads.
    struct Lane: Sendable {
        let thread: ExecutionThread?
        let client: HTTPClient
    }

    /// A load run's execution threads, which its workers' lanes share: each thread is an event loop, so a worker
    /// waiting for a response holds none of the others up. One per core but one, which is left to the
    /// libwebsockets thread that receives (and timestamps) every frame: on this 2-core machine `ramp` with 50 actors
    /// had two event loops and that thread each wait for a core longer than they ran, and a p99 2.5× its p50; with
    /// one event loop, 13–17% fewer cycles/s but a p99 15–25% lower, 1.8× its p50, in four interleaved runs.
    final class LanePool: Sendable {
        private let threads: [ExecutionThread]
        private let client = HTTPClient()

        /// The default number of threads: the cores but one, at least one.
        static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount - 1) }

        init(threads count: Int = LanePool.defaultThreads) {
            threads = (0..<max(1, count)).compactMap { _ in ExecutionThread() }
        }

        /// The lane of worker (or flow) `index`.
        func lane(_ index: Int) -> Lane {
            Lane(thread: threads.isEmpty ? nil : threads[index % threads.count], client: client)
        }

        /// Ends the threads once their work is done.
        func stop() { for thread in threads { thread.stop() } }
    }

    /// Runs `plans`; with `lane`, on that lane alone (whatever `options.jobs` says), which outlives the run.
    static func run(_ plans: [ContractPlan], options: RunnerOptions, lane: Lane?) async -> RunResult {
        let client = lane?.client ?? HTTPClient()
        let lanes = Lanes(count: plans.count)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<(lane == nil ? max(1, min(options.jobs, plans.count)) : 1) {
                group.addTask { await runLane(plans, lanes: lanes, client: client, thread: lane?.thread, options: options) }
            }
        }
        let results = lanes.results.withLock { $0 }
        let interrupted = Task.isCancelled || results.contains { $0?.interrupted == true }
        return RunResult(contracts: results.compactMap { $0 }, interrupted: interrupted,
                         skipped: zip(plans, results).filter { $0.1 == nil }.map(\.0.contract.name), strict: options.strict)
    }

    /// What the lanes of a run share: the next plan to take, each plan's result, and whether to stop taking.
    private final class Lanes: Sendable {
        let next = Atomic<Int>(0)
        let stop = Atomic<Bool>(false)
        let results: Mutex<[ContractResult?]>
        init(count: Int) { results = Mutex(Array(repeating: nil, count: count)) }
    }

    /// One lane: takes the next plan until none is left or the run stops, on a thread of its own (`given`, or one
    /// made for the lane) whose event loop carries the contracts' HTTP requests.
    private static func runLane(_ plans: [ContractPlan], lanes: Lanes, client: HTTPClient, thread given: ExecutionThread?,
                                options: RunnerOptions) async {
        let thread = given ?? ExecutionThread()
        defer { if given == nil { thread?.stop() } }
        while !Task.isCancelled && !lanes.stop.load(ordering: .relaxed) {
            let i = lanes.next.add(1, ordering: .relaxed).oldValue
            guard i < plans.count else { return }
            let plan = plans[i]
            let report: @Sendable (String) -> Void = { activity in
                options.progress?(.init(contractIndex: i + 1, contractCount: plans.count, contract: plan.contract.name, activity: activity))
            }
            let result = await ChannelConnector.$current.withValue(options.connector) {
                await withTaskExecutorPreference(thread) {
                    await ContractExecution.run(plan, client: client, options: options, progress: report)
                }
            }
            lanes.results.withLock { $0[i] = result }
            if result.interrupted || (options.failFast && result.status(strict: options.strict) != .passed) {
                lanes.stop.store(true, ordering: .relaxed)
            }
        }
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
