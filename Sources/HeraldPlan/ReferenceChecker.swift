import HeraldContract
import HeraldCore

/// Checks, before anything runs, that every `${…}` in a contract refers to something that will have a value:
/// an environment variable (or a default), a `--var`, a `vars:` entry, a capture, an actor field, `run.id` or `uuid`.
struct ReferenceChecker {
    let plan: ContractPlan

    var contract: Contract { plan.contract }

    /// Names bound by captures anywhere in the contract steps (flow order is checked at run time).
    var captured: Set<String> {
        Set((contract.steps + contract.cleanup).flatMap { step in step.captures.map(\.name) + step.events.flatMap { $0.captures.map(\.name) } })
    }

    /// Fields each actor gets from its setup captures.
    var actorFields: Set<String> {
        Set(contract.actors.flatMap { $0.setup.flatMap { s in s.captures.map(\.name) + s.events.flatMap { $0.captures.map(\.name) } } })
            .union(contract.actors.flatMap { $0.vars.map(\.name) })
            .union(["name", "index"])
    }

    func check() throws(Diagnostic) {
        for s in contract.services {
            try check(s.url.references, at: s.url.location ?? s.location, actorContext: false)
            if let h = s.health { try check(h.references, at: h.location ?? s.location, actorContext: false) }
            for h in s.headers { try check(h.value.references, at: h.value.location ?? s.location, actorContext: true) }
            if let a = s.auth { try check(a.user.references + a.password.references, at: a.location, actorContext: true) }
        }
        for a in contract.actors {
            for v in a.vars { try check(v.value.templateReferences, at: a.location, actorContext: true) }
        }
        for c in contract.channels {
            let inActor = !c.actors.isEmpty
            try check(c.target.references, at: c.target.location ?? c.location, actorContext: inActor)
            for h in c.headers { try check(h.value.references, at: h.value.location ?? c.location, actorContext: inActor) }
            for p in c.onOpen { try check(references(p), at: c.location, actorContext: inActor) }
            for t in [c.broker.username, c.broker.password, c.broker.token].compactMap({ $0 }) {
                try check(t.references, at: t.location ?? c.location, actorContext: inActor)
            }
        }
        for a in contract.actors { for s in a.setup { try check(s, actorContext: true) } }
        // A step that acts `as:` an actor renders `${actor.…}` with its fields.
        for s in contract.steps + contract.cleanup { try check(s, actorContext: s.actor != nil) }
        for o in contract.outputs { try check(o.value.templateReferences, at: o.location, actorContext: false) }
        for t in contract.tokens { try check(t.references, at: t.location, actorContext: true) }
    }

    func references(_ p: Payload) -> [VariableReference] {
        switch p {
        case .json(let j): j.templateReferences
        case .text(let t): t.references
        }
    }

    func check(_ step: Step, actorContext: Bool) throws(Diagnostic) {
        var refs: [(VariableReference, SourceLocation?)] = []
        func add(_ t: Template) { refs += t.references.map { ($0, t.location) } }
        func addHTTP(_ h: HTTPAction) {
            add(h.target)
            h.headers.forEach { add($0.value) }
            h.query.forEach { add($0.value) }
            if let b = h.body { refs += references(b).map { ($0, nil) } }
            if let a = h.auth { refs += (a.user.references + a.password.references).map { ($0, a.location) } }
            if let sign = h.sign { add(sign.secret) }
        }
        switch step.action {
        case .http(let h): addHTTP(h)
        case .poll(let p):
            addHTTP(p.request)
            refs += p.until.templateReferences.map { ($0, nil) }
        case .send(let s): refs += references(s.payload).map { ($0, nil) }
        case .shell(let s): add(s.command)
        case .sleep: break
        case .publish(let p), .request(let p):
            add(p.subject)
            p.headers.forEach { add($0.value) }
            refs += references(p.payload).map { ($0, nil) }
        case .redis(let r): r.command.forEach { add($0) }
        case .sql(let q):
            refs += q.parameters.flatMap(\.templateReferences).map { ($0, nil) }
            refs += (q.poll?.until.templateReferences ?? []).map { ($0, nil) }
        }
        if let b = step.response.body { refs += b.templateReferences.map { ($0, nil) } }
        for e in step.events {
            refs += e.matcher.templateReferences.map { ($0, e.location) }
            if let s = e.subject { refs += s.templateReferences.map { ($0, e.location) } }
            refs += e.headers.flatMap { $0.matcher.templateReferences.map { ($0, e.location) } }
            if case .sequence(let items, _) = e.kind {
                refs += items.flatMap { i in (i.matcher.templateReferences + (i.subject?.templateReferences ?? [])).map { ($0, i.location) } }
            }
        }
        for c in step.caches {
            switch c.target {
            case .redisKey(_, let key): refs += key.references.map { ($0, c.location) }
            case .http(let h): addHTTP(h)
            }
            switch c.condition {
            case .equals(let m), .revalidates(body: let m?): refs += m.templateReferences.map { ($0, c.location) }
            default: break
            }
        }
        for (ref, loc) in refs { try check([ref], at: loc ?? step.location, actorContext: actorContext) }
    }

    func check(_ refs: [VariableReference], at location: SourceLocation, actorContext: Bool) throws(Diagnostic) {
        for ref in refs {
            if ref.fallback != nil { continue }
            switch ref.root {
            case "env":
                guard let name = ref.fields.first, ref.fields.count == 1 else {
                    throw Diagnostic("write ${env.NAME}", at: location)
                }
                if plan.options.requireEnvironment, plan.options.environment[name] == nil {
                    throw Diagnostic("environment variable \(name) is not set", at: location,
                                     hint: "set it, pass it in --env-file, or give a default: ${env.\(name):-value}")
                }
            case "run":
                guard ref.fields == ["id"] else { throw Diagnostic("unknown run field in ${\(ref)}", at: location, hint: "write ${run.id}") }
            case "uuid":
                continue
            case "worker":
                guard ref.fields == ["index"] else {
                    throw Diagnostic("unknown worker field in ${\(ref)}", at: location, hint: "write ${worker.index}")
                }
            case "round":
                guard ref.fields.isEmpty else { throw Diagnostic("${round} has no fields", at: location, hint: "write ${round}") }
            case "actor":
                guard actorContext else {
                    throw Diagnostic("${\(ref)} is only known where an actor is acting", at: location,
                                     hint: "use it in actor setup steps and in channel headers of channels with for:, or name the actor: ${buyer.id}")
                }
                if let f = ref.fields.first, !actorFields.contains(f) {
                    throw Diagnostic("actors have no field '\(f)'", at: location,
                                     hint: "actor fields come from setup captures: \(actorFields.sorted().joined(separator: ", "))")
                }
            default:
                if let actor = contract.actor(ref.root) {
                    if actor.count > 1, ref.index == nil {
                        throw Diagnostic("'\(actor.name)' has \(actor.count) instances; say which", at: location, hint: "write ${\(actor.name)[0].\(ref.fields.first ?? "id")}")
                    }
                    if let i = ref.index, i >= actor.count {
                        throw Diagnostic("'\(actor.name)[\(i)]' does not exist: actor '\(actor.name)' has \(actor.count) instance\(actor.count == 1 ? "" : "s")", at: location)
                    }
                    if let f = ref.fields.first, !actorFields.contains(f) {
                        throw Diagnostic("actors have no field '\(f)'", at: location,
                                         hint: "actor fields come from setup captures: \(actorFields.sorted().joined(separator: ", "))")
                    }
                    continue
                }
                if contract.tokens.contains(where: { $0.name == ref.root }) {
                    guard ref.fields.isEmpty, ref.index == nil else {
                        throw Diagnostic("${\(ref)}: a token is a value of its own, with no fields", at: location, hint: "write ${\(ref.root)}")
                    }
                    continue
                }
                let known = Set(contract.variables.map(\.name)).union(plan.options.variables.keys).union(captured)
                if !known.contains(ref.root) {
                    // Sorted: of names as close as each other, the first is suggested, the same one on every load.
                    let names = known.sorted() + contract.actors.map(\.name) + ["env", "run", "uuid", "worker", "round"]
                    let close = names.min { Self.distance(ref.root, $0) < Self.distance(ref.root, $1) }
                    let hint = close.flatMap { Self.distance(ref.root, $0) <= 2 ? "did you mean ${\($0)}?" : nil }
                        ?? "define it under vars:, pass --var \(ref.root)=…, or capture it in an earlier step"
                    throw Diagnostic("unknown variable '\(ref.root)' in ${\(ref)}", at: location, hint: hint)
                }
            }
        }
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var prev = Array(0...b.count)
        for i in 1...a.count {
            var cur = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count { cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)) }
            prev = cur
        }
        return prev[b.count]
    }
}
