import Foundation
import HeraldContract
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

/// A contract ready to run: actors instanced, every reference checked.
public struct ContractPlan: Sendable {
    /// The contract.
    public var contract: Contract
    /// Every actor instance, in declaration order.
    public var actors: [ActorInstance]
    /// The options it runs with.
    public var options: RunOptions

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
    public func subscribers(of channel: Channel) -> [ActorInstance] {
        var out: [ActorInstance] = []
        for ref in channel.actors { for i in instances(ref) where !out.contains(i) { out.append(i) } }
        return out
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
        return plan
    }
}
