import Foundation
import HeraldContract
import HeraldJudge
import HeraldCore

/// What a run is given from outside the contracts.
public struct RunOptions: Sendable {
    /// `--var k=v` values; they override a contract's `vars:`.
    public var variables: [String: String]
    /// The environment (`${env.NAME}`): the process environment overlaid with `--env-file` values.
    public var environment: [String: String]
    /// Values that must never appear in output (from `--env-file`, and secret-looking variables).
    public var secrets: Set<String>
    /// The run's id (`${run.id}`), unique per run so that parallel runs never share data.
    public var runID: String
    /// Only contracts with one of these tags run (all when empty).
    public var tags: [String]
    /// Skip TLS verification everywhere.
    public var insecure: Bool
    /// Whether `${env.NAME}` without a default must be set (off for `herald validate`, which runs nothing).
    public var requireEnvironment: Bool
    /// Which flow of a load run this is (`${worker.index}`, `${round}`); worker 0, round 1 in a plain run.
    public var flow = FlowPosition()
    /// Whether this run is one flow of a load run (or of `--repeat`), whose latencies are judged together: then an
    /// expectation's `latency:` holds the percentiles of every flow's deliveries, not each delivery.
    public var inLoadRun = false

    /// Creates options.
    public init(variables: [String: String] = [:], environment: [String: String] = ProcessInfo.processInfo.environment,
                secrets: Set<String> = [], runID: String = RunOptions.makeRunID(), tags: [String] = [], insecure: Bool = false,
                requireEnvironment: Bool = true) {
        self.variables = variables
        self.environment = environment
        self.secrets = secrets
        self.runID = runID
        self.tags = tags
        self.insecure = insecure
        self.requireEnvironment = requireEnvironment
    }

    /// A short random run id: 8 lowercase hex digits.
    public static func makeRunID() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(8))
    }
}

/// Where a flow sits in a load run: its worker (from 0, `${worker.index}`) and its round (from 1, `${round}`).
public struct FlowPosition: Sendable, Hashable {
    /// The worker, from 0.
    public var worker: Int
    /// The round, from 1.
    public var round: Int

    /// A position; worker 0, round 1 is a plain run's.
    public init(worker: Int = 0, round: Int = 1) {
        self.worker = worker
        self.round = round
    }
}

/// One instance of an actor: `buyer`, or `seller[1]` for an actor with a count.
public struct ActorInstance: Hashable, Sendable, CustomStringConvertible {
    /// The declared actor.
    public var actor: String
    /// The instance index, for actors with a count above 1.
    public var index: Int?

    /// Creates an instance.
    public init(actor: String, index: Int?) {
        self.actor = actor
        self.index = index
    }

    /// `seller[1]` or `buyer`: the name on the timeline and in reports.
    public var description: String { index.map { "\(actor)[\($0)]" } ?? actor }
}

/// A contract ready to run: actors instanced, every reference checked, and what does not depend on run-time values
/// resolved: the connections of each channel and, for each event expectation, whom it watches and for how long.
public struct ContractPlan: Sendable {
    /// The contract.
    public var contract: Contract
    /// Every actor instance, in declaration order.
    public var actors: [ActorInstance]
    /// The options it runs with.
    public var options: RunOptions
    /// The instances with a connection of their own on each channel, by channel name (empty: one shared connection).
    public private(set) var subscribersByChannel: [String: [ActorInstance]] = [:]
    /// Each event expectation's watch, by where the expectation is written.
    public var watches: [SourceLocation: WatchPlan] { planned.mapValues(\.watch) }
    /// Each event expectation's watch and, when its matcher holds no `${…}`, the matcher compiled for judging: once
    /// per plan, not once per step run (a load run's flows share the plan).
    private var planned: [SourceLocation: PlannedEvent] = [:]
    /// What each of the contract's steps needs besides its templates, worked out once per plan rather than each
    /// time a flow runs the step.
    public private(set) var stepPlans: [PlannedStep] = []
    /// The keys of the contract's tokens and signatures, loaded once and shared by every flow of a load run.
    public let keyring = TokenKeyring()

    /// Plans `contract` with these actor instances: resolves the channels' subscribers and the expectations' watches.
    public init(contract: Contract, actors: [ActorInstance], options: RunOptions) {
        self.contract = contract
        self.actors = actors
        self.options = options
        for channel in contract.channels {
            var out: [ActorInstance] = []
            for ref in channel.actors { for i in instances(ref) where !out.contains(i) { out.append(i) } }
            subscribersByChannel[channel.name] = out
        }
        stepPlans = contract.steps.indices.map(planStep)
        let steps = contract.steps + contract.cleanup + contract.actors.flatMap(\.setup)
        for e in steps.flatMap(\.events) {
            planned[e.location] = PlannedEvent(watch: watch(of: e),
                                               compiled: e.matcher.hasTemplateReference ? nil : TapeMatcher(e.matcher))
        }
    }

    /// What step `i` of the contract needs besides its templates (planned once, see ``stepPlans``).
    public func step(_ i: Int) -> PlannedStep { i < stepPlans.count ? stepPlans[i] : planStep(i) }

    private func planStep(_ i: Int) -> PlannedStep {
        let step = contract.steps[i]
        return PlannedStep(label: "step \(i + 1): \(step.label)", idPrefix: "\(contract.name) › step \(i + 1)",
                           progress: "step \(i + 1)/\(contract.steps.count): \(step.label)",
                           actor: step.actor.flatMap { instance($0) })
    }

    /// The instances a reference names (`seller` gives them all, `seller[1]` one; `buyer[0]` is `buyer`).
    public func instances(_ ref: ActorReference) -> [ActorInstance] {
        actors.filter { $0.actor == ref.name && (ref.index == nil || ($0.index ?? 0) == ref.index) }
    }

    /// The single instance a reference names, when it names exactly one.
    public func instance(_ ref: ActorReference) -> ActorInstance? {
        let found = instances(ref)
        return found.count == 1 ? found[0] : nil
    }

    /// The instances that get their own connection on `channel` (empty for a shared connection).
    public func subscribers(of channel: Channel) -> [ActorInstance] { subscribersByChannel[channel.name] ?? [] }

    /// The connections of `channel`: one per subscribed instance, or a single shared one (`nil`).
    public func connections(of channel: Channel) -> [ActorInstance?] {
        let subscribers = subscribers(of: channel)
        return subscribers.isEmpty ? [nil] : subscribers
    }

    /// What the plan resolved of `e` (planned for every expectation of the contract).
    public func watch(_ e: EventExpectation) -> WatchPlan { planned[e.location]?.watch ?? watch(of: e) }

    /// What the plan resolved of `e`, with its matcher compiled when the matcher holds no `${…}` (else `compiled` is
    /// nil: the matcher is rendered and compiled when the step runs).
    public func planned(_ e: EventExpectation) -> PlannedEvent {
        planned[e.location] ?? PlannedEvent(watch: watch(of: e), compiled: nil)
    }

    private func watch(of e: EventExpectation) -> WatchPlan {
        let kindName: String = switch e.kind {
        case .match: e.recipients == nil ? "match" : "recipients"
        case .count: "count"
        case .absent: "absent"
        case .sequence: "sequence"
        }
        return WatchPlan(kindName: kindName, actor: e.actor.flatMap { instances($0).first?.description },
                         recipients: e.recipients.map { refs in refs.flatMap { instances($0).map(\.description) } },
                         subscribers: (subscribersByChannel[e.channel] ?? []).map(\.description),
                         within: e.within ?? contract.defaults.within)
    }
}

/// A step as planned: its label, verdict id prefix and progress line, and the actor instance it acts as.
public struct PlannedStep: Sendable {
    /// `step 3: name`.
    public var label: String
    /// `contract › step 3`, the start of its verdicts' ids.
    public var idPrefix: String
    /// `step 3/12: name`, what a progress line shows while it runs.
    public var progress: String
    /// The instance its `as:` names, if any.
    public var actor: ActorInstance?
}

/// An event expectation as planned: its watch, and its matcher compiled when it holds no template.
public struct PlannedEvent: Sendable {
    /// Whom it watches and for how long.
    public var watch: WatchPlan
    /// The matcher compiled for judging, when the matcher holds no `${…}`.
    public var compiled: TapeMatcher?
}

/// What the planner resolves of an event expectation before the run: its verdict kind, the connections it watches,
/// whom it expects, and its window (the contract's default when it names none).
public struct WatchPlan: Sendable, Hashable {
    /// The verdict kind's name in ids: `match`, `recipients`, `count`, `absent`, `sequence`.
    public var kindName: String
    /// The one watched connection's actor instance (`as:`), if restricted.
    public var actor: String?
    /// Exactly these actor instances must receive the event.
    public var recipients: [String]?
    /// The instances subscribed to its channel (empty for a shared connection).
    public var subscribers: [String]
    /// Its timeout or window.
    public var within: Duration

    /// Creates the value.
    public init(kindName: String, actor: String?, recipients: [String]?, subscribers: [String], within: Duration) {
        self.kindName = kindName
        self.actor = actor
        self.recipients = recipients
        self.subscribers = subscribers
        self.within = within
    }
}

/// Turns loaded contracts into plans: selects by tag, instances actors, and checks that every `${…}` reference can
/// have a value. Problems are ``Diagnostic``s (exit code 2).
public enum Planner {
    /// Plans every contract that the tags select.
    public static func plan(_ contracts: [Contract], options: RunOptions) throws(ContractErrors) -> [ContractPlan] {
        var plans: [ContractPlan] = []
        var problems: [Diagnostic] = []
        for contract in contracts where options.tags.isEmpty || !Set(options.tags).isDisjoint(with: contract.tags) {
            do {
                plans.append(try plan(contract, options: options))
            } catch {
                problems.append(error)
            }
        }
        if !problems.isEmpty { throw ContractErrors(problems) }
        return plans
    }

    /// Plans one contract.
    public static func plan(_ contract: Contract, options: RunOptions) throws(Diagnostic) -> ContractPlan {
        var actors: [ActorInstance] = []
        for a in contract.actors {
            if a.count == 1 { actors.append(ActorInstance(actor: a.name, index: nil)) }
            else { for i in 0..<a.count { actors.append(ActorInstance(actor: a.name, index: i)) } }
        }
        let plan = ContractPlan(contract: contract, actors: actors, options: options)
        try ReferenceChecker(plan: plan).check()
        try TokenCheck(plan: plan).check()
        return plan
    }
}
