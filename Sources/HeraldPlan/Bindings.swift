import Foundation
import HeraldContract
import HeraldCore

/// The values `${…}` references resolve to while a contract runs: environment, variables, captures, actor fields.
///
/// Every step takes the bindings as its scope, acting as its actor: the values live in a box shared by the copies
/// until one changes (copy on write), so that taking a scope is one reference count, not a copy of the options and
/// four dictionaries. The acting actor is kept beside the box.
public struct Bindings: VariableScope, Sendable {
    /// The values, in one box shared by copies until one changes.
    private struct Fields: Sendable {
        var options: RunOptions
        var variables: [String: JSONValue]
        var captures: [String: JSONValue]
        var actorFields: [ActorInstance: [String: JSONValue]]
        var actors: [ActorInstance]
    }

    private var storage: CopyOnWrite<Fields>

    /// The plan's options.
    public var options: RunOptions {
        get { storage.fields.options }
        _modify { yield &storage.fields.options }
    }
    /// Contract variables, rendered, overlaid with `--var`.
    public var variables: [String: JSONValue] {
        get { storage.fields.variables }
        _modify { yield &storage.fields.variables }
    }
    /// Values captured by earlier steps.
    public var captures: [String: JSONValue] {
        get { storage.fields.captures }
        _modify { yield &storage.fields.captures }
    }
    /// Fields of each actor instance, from its setup captures.
    public var actorFields: [ActorInstance: [String: JSONValue]] {
        get { storage.fields.actorFields }
        _modify { yield &storage.fields.actorFields }
    }
    /// The actor acting now (for `${actor.…}`).
    public var currentActor: ActorInstance?
    /// Every actor instance.
    public var actors: [ActorInstance] {
        get { storage.fields.actors }
        _modify { yield &storage.fields.actors }
    }
    /// The contract's JWT signers (`tokens:`), or `nil` when it has none (beside the box: it is set once).
    public var tokens: TokenMint?

    /// Binds a plan: renders `vars:` in order, then applies `--var`. The tokens it signs register with `redactor`.
    public init(plan: ContractPlan, redactor: Redactor? = nil) throws {
        storage = CopyOnWrite(Fields(options: plan.options, variables: [:], captures: [:], actorFields: [:], actors: plan.actors))
        tokens = TokenMint(plan: plan)
        tokens?.redactor = redactor
        for (name, value) in plan.contract.variables {
            let rendered = try value.rendered(in: self)
            variables[name] = rendered
        }
        for (k, v) in plan.options.variables { variables[k] = .string(v) }
        for a in actors { actorFields[a] = ["name": .string(a.description), "index": a.index.map { .number(Double($0)) } ?? .number(0)] }
        // Fixed fields (`vars:`), rendered as each instance, in order: a later one may use an earlier one.
        for a in actors {
            guard let declared = plan.contract.actor(a.actor)?.vars else { continue }
            for (name, value) in declared {
                let rendered = try value.rendered(in: acting(as: a))
                actorFields[a]?[name] = rendered
            }
        }
    }

    /// The same bindings, with `actor` as the acting actor.
    public func acting(as actor: ActorInstance?) -> Bindings {
        var copy = self
        copy.currentActor = actor
        return copy
    }

    /// Resolves a reference.
    public func value(for ref: VariableReference) -> JSONValue? {
        switch ref.root {
        case "env":
            return ref.fields.first.flatMap { options.environment[$0] }.map { .string($0) }
        case "run":
            return ref.fields == ["id"] ? .string(options.runID) : nil
        case "uuid":
            return .string(UUID().uuidString.lowercased())
        case "worker":
            return ref.fields == ["index"] ? .number(Double(options.flow.worker)) : nil
        case "round":
            return ref.fields.isEmpty ? .number(Double(options.flow.round)) : nil
        case "actor":
            guard let a = currentActor else { return nil }
            return field(of: a, ref.fields)
        default:
            if let instance = actors.first(where: { $0.actor == ref.root && ($0.index ?? 0) == (ref.index ?? 0) }) {
                return field(of: instance, ref.fields)
            }
            guard let base = captures[ref.root] ?? variables[ref.root] else { return nil }
            return Bindings.dig(base, ref.fields)
        }
    }

    func field(of actor: ActorInstance, _ fields: [String]) -> JSONValue? {
        guard let first = fields.first else { return .string(actor.description) }
        guard let v = actorFields[actor]?[first] else { return nil }
        return Bindings.dig(v, Array(fields.dropFirst()))
    }

    static func dig(_ value: JSONValue, _ fields: [String]) -> JSONValue? {
        var v = value
        for f in fields {
            if let next = v[f] { v = next } else if let i = Int(f), let a = v.arrayValue, i < a.count { v = a[i] } else { return nil }
        }
        return v
    }
}
