import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldTransport
import Synchronization

/// A contract driven one phase at a time, as an orchestrator drives it through `herald agent`: prepared (health
/// checks, actor setup, channels behind the readiness barrier, the steps no action names), given data, asked for its
/// actions, judged, and cleaned up. The verdicts are the ones `herald run` gives; everything it returns is masked.
public actor ContractSession {
    /// What a phase did.
    public struct Outcome: Sendable {
        /// Whether every step of the phase ran (a failed response assertion or an infrastructure error stops it).
        public var completed: Bool
        /// The verdicts of the phase decided so far, in order.
        public var verdicts: [Verdict]
        /// Event expectations of the phase still waiting for their events.
        public var pending: Int
        /// The contract's `outputs:` that can be rendered now.
        public var outputs: [String: JSONValue]
        /// The infrastructure error that stopped the phase, if any.
        public var infrastructureError: String?
    }

    /// The plan being driven.
    public nonisolated let plan: ContractPlan
    private let execution: ContractExecution
    private let engine: SharedWebSocketEngine?
    /// Opens the channels in place of the real transports (tests); `nil` for the real ones.
    private let connector: ChannelConnector?
    private let started = MonotonicInstant.now()
    /// The action in flight: its steps, then the wait for their events.
    private var running: Task<Void, Never>?
    private var finished = false

    /// A session of `plan` whose requests go through `client` and whose WebSocket channels use `engine`.
    ///
    /// - Throws: when the contract's variables cannot be bound.
    public init(plan: ContractPlan, client: HTTPClient, engine: SharedWebSocketEngine?, insecure: Bool = false) throws {
        try self.init(plan: plan, client: client, engine: engine, insecure: insecure, connector: nil)
    }

    init(plan: ContractPlan, client: HTTPClient, engine: SharedWebSocketEngine?, insecure: Bool, connector: ChannelConnector?) throws {
        self.plan = plan
        self.engine = engine
        self.connector = connector
        var options = RunnerOptions(insecure: insecure)
        options.sharedEngine = engine
        execution = try ContractExecution(plan: plan, client: client, options: options, progress: { _ in })
    }

    /// Binds `data` (as captures: `${name}` resolves to them), then runs the preparation: health checks, actor setup,
    /// channels, and the steps that no `action:` names.
    public func prepare(data: [String: JSONValue]) async -> Outcome {
        await execution.bindData(data)
        let first = await execution.slotCount
        let (execution, engine) = (execution, engine)
        let completed = await ChannelConnector.$current.withValue(connector) { await execution.prepareSession(engine: engine) }
        return await outcome(from: first, completed: completed)
    }

    /// Binds `data` for the steps still to run.
    public func update(data: [String: JSONValue]) async {
        await execution.bindData(data)
    }

    /// Runs the steps of action `name`. Answers once the last of them has performed its action (or the action
    /// stopped); their events are still awaited then, and `decided` is told the whole outcome once every expectation
    /// of the action is decided. Actions run one at a time: a second waits for the first to be decided.
    public func act(_ name: String, decided: @escaping @Sendable (Outcome) -> Void) async -> Outcome {
        let last = plan.contract.steps.last { $0.actionName == name }?.location
        let previous = running
        let triggered = Wakeup()
        // Where the action's verdicts start, and, once its steps are done, whether they all ran.
        let progress = Mutex<(first: Int, completed: Bool?)>((0, nil))
        let execution = execution
        let task = Task {
            await previous?.value
            let first = await execution.slotCount
            progress.withLock { $0.first = first }
            await execution.onActed { location in if location == last { triggered.signal() } }
            let completed = await execution.runAction(name)
            progress.withLock { $0.completed = completed }
            triggered.signal()
            await execution.onActed(nil)
            decided(await Self.outcome(execution, from: first, completed: completed))
        }
        running = task
        await triggered.wait()
        let (first, completed) = progress.withLock { $0 }
        return await Self.outcome(execution, from: first, completed: completed ?? true)
    }

    /// The final verdict of every expectation so far, once the action in flight is decided: expectations still
    /// waiting are judged now over everything received.
    public func verify() async -> ContractResult {
        await running?.value
        return await execution.result(started: started)
    }

    /// Runs the cleanup steps and closes every connection (cancelling an action still in flight). Idempotent.
    public func cleanUp() async {
        guard !finished else { return }
        finished = true
        running?.cancel()
        await running?.value
        await execution.finish()
    }

    private func outcome(from first: Int, completed: Bool) async -> Outcome {
        await Self.outcome(execution, from: first, completed: completed)
    }

    private static func outcome(_ execution: ContractExecution, from first: Int, completed: Bool) async -> Outcome {
        let (verdicts, pending) = await execution.verdicts(from: first)
        return Outcome(completed: completed,
                       verdicts: verdicts, pending: pending, outputs: await execution.outputs(),
                       infrastructureError: await execution.failure)
    }
}
