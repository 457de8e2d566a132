import HeraldCore

/// Checks that every name a contract uses (services, actors, channels) is declared, and that instance indexes exist.
struct ContractChecker {
    let contract: Contract

    func check() throws(Diagnostic) {
        for channel in contract.channels {
            if let s = channel.service { try checkService(s, at: channel.location) }
            for ref in channel.actors { try checkActor(ref) }
        }
        for actor in contract.actors {
            for step in actor.setup { try check(step, inSetup: true) }
        }
        for step in contract.steps + contract.cleanup { try check(step, inSetup: false) }
        for (i, step) in contract.steps.enumerated() { try checkOrigins(step, at: i) }
        for step in contract.cleanup + contract.actors.flatMap(\.setup) {
            for event in step.events {
                guard case .step = event.from else { continue }
                throw Diagnostic("from: a step belongs to the contract's steps:", at: event.location,
                                 hint: "setup and cleanup steps count from their own trigger")
            }
        }
    }

    /// `from: step N` (or an earlier step's name) must name a step before the one it is written in.
    private func checkOrigins(_ step: Step, at index: Int) throws(Diagnostic) {
        for event in step.events {
            guard case .step(let ref) = event.from else { continue }
            guard let origin = contract.stepIndex(ref) else {
                let names = contract.steps.prefix(index).compactMap(\.name)
                throw Diagnostic("from: \(ref) names no step of this contract", at: event.location,
                                 hint: "write from: step N (1 to \(contract.steps.count))" + (names.isEmpty ? "" : ", or an earlier step's name: \(names.map { "'\($0)'" }.joined(separator: ", "))"))
            }
            guard origin < index else {
                throw Diagnostic("from: \(ref) must be a step before this one (step \(index + 1))", at: event.location,
                                 hint: origin == index ? "an expectation already counts from its own step; remove from:" : "move the expectation to a later step")
            }
        }
    }

    func check(_ step: Step, inSetup: Bool) throws(Diagnostic) {
        if let actor = step.actor { try checkActor(actor) }
        switch step.action {
        case .http(let h): if let s = h.service { try checkService(s, at: step.location) }
        case .poll(let p): if let s = p.request.service { try checkService(s, at: step.location) }
        case .send(let s):
            let channel = try checkChannel(s.channel, at: step.location)
            try checkOpens(channel, at: step.location)
            if instances(of: channel.actors) > 1, step.actor == nil {
                throw Diagnostic("send on '\(channel.name)' must say which actor's connection sends", at: step.location,
                                 hint: "add as: ACTOR (one of \(channel.actors.map(\.description).joined(separator: ", ")))")
            }
            if let actor = step.actor, !channel.actors.isEmpty, !covers(channel.actors, actor) {
                throw Diagnostic("actor '\(actor)' has no connection on channel '\(channel.name)'", at: actor.location,
                                 hint: "add it to the channel's for: list")
            }
        case .sleep, .shell: break
        case .publish(let p), .request(let p): if let s = p.service { try checkService(s, at: step.location) }
        case .redis(let r): if let s = r.service { try checkService(s, at: step.location) }
        case .sql(let q): try checkSQLService(q.service, at: step.location)
        }
        for cache in step.caches {
            switch cache.target {
            case .redisKey(let service, _): if let s = service { try checkService(s, at: cache.location) }
            case .http(let h): if let s = h.service { try checkService(s, at: cache.location) }
            }
            if let actor = cache.actor { try checkActor(actor) }
        }
        for event in step.events {
            let channel = try checkChannel(event.channel, at: event.location)
            try checkOpens(channel, at: event.location)
            if !event.headers.isEmpty, channel.kind != .nats {
                throw Diagnostic("only NATS messages carry headers, so headers: on \(channel.kind.rawValue) channel '\(channel.name)' can never match",
                                 at: event.location, hint: "match on a field of the message instead")
            }
            if event.subject != nil, channel.kind == .websocket {
                throw Diagnostic("WebSocket frames have no subject, so subject: on channel '\(channel.name)' can never match",
                                 at: event.location, hint: "match on a field of the frame instead")
            }
            for ref in [event.actor].compactMap({ $0 }) + (event.recipients ?? []) {
                try checkActor(ref)
                if !covers(channel.actors, ref) {
                    throw Diagnostic("actor '\(ref)' is not subscribed to channel '\(channel.name)', so its deliveries cannot be observed",
                                     at: ref.location, hint: "add '\(ref.name)' to the for: list of channel '\(channel.name)'")
                }
            }
            if event.recipients != nil, channel.actors.isEmpty {
                throw Diagnostic("recipients needs a channel with one connection per actor", at: event.location,
                                 hint: "give channel '\(channel.name)' a for: list of actors")
            }
            if case .sequence(let items, _) = event.kind {
                for item in items { if let c = item.channel { try checkOpens(try checkChannel(c, at: item.location), at: item.location) } }
            }
        }
    }

    func instances(of refs: [ActorReference]) -> Int {
        refs.reduce(0) { sum, ref in sum + (ref.index != nil ? 1 : (contract.actor(ref.name)?.count ?? 1)) }
    }

    /// A channel whose connections must be refused never opens: nothing is sent or received on it.
    private func checkOpens(_ channel: Channel, at location: SourceLocation) throws(Diagnostic) {
        guard let refused = channel.refused else { return }
        throw Diagnostic("channel '\(channel.name)' must be refused (\(refused.summary)), so nothing is sent or received on it",
                         at: location, hint: "declare a second channel for the connection that must open")
    }

    /// Whether the channel's `for:` list includes `ref`.
    func covers(_ refs: [ActorReference], _ ref: ActorReference) -> Bool {
        refs.contains { $0.name == ref.name && ($0.index == nil || $0.index == ref.index) }
    }

    func checkService(_ name: String, at location: SourceLocation) throws(Diagnostic) {
        guard contract.service(name) == nil else { return }
        throw Diagnostic("unknown service '\(name)'", at: location, hint: hint(for: name, among: contract.services.map(\.name), kind: "services"))
    }

    /// The service is declared, and its URL, when written out, is a database's.
    func checkSQLService(_ name: String, at location: SourceLocation) throws(Diagnostic) {
        try checkService(name, at: location)
        guard let service = contract.service(name), service.url.references.isEmpty else { return }
        let url = service.url.raw.lowercased()
        guard !["postgres://", "postgresql://", "sqlite:"].contains(where: { url.hasPrefix($0) }) else { return }
        throw Diagnostic("service '\(name)' is not a database: sql: needs a postgres:// or sqlite: URL", at: location,
                         hint: "declare it as \(name): \"postgres://user:password@host:5432/db\" or \"sqlite:///path/to/file.db\"")
    }

    func checkChannel(_ name: String, at location: SourceLocation) throws(Diagnostic) -> Channel {
        if let c = contract.channel(name) { return c }
        throw Diagnostic("unknown channel '\(name)'", at: location, hint: hint(for: name, among: contract.channels.map(\.name), kind: "channels"))
    }

    func checkActor(_ ref: ActorReference) throws(Diagnostic) {
        guard let actor = contract.actor(ref.name) else {
            throw Diagnostic("unknown actor '\(ref.name)'", at: ref.location, hint: hint(for: ref.name, among: contract.actors.map(\.name), kind: "actors"))
        }
        if let i = ref.index, i >= actor.count {
            throw Diagnostic("'\(ref)' does not exist: actor '\(actor.name)' has \(actor.count) instance\(actor.count == 1 ? "" : "s")",
                             at: ref.location, hint: actor.count == 1 ? "write '\(actor.name)'" : "use \(actor.name)[0] to \(actor.name)[\(actor.count - 1)], or raise count")
        }
    }

    func hint(for name: String, among names: [String], kind: String) -> String {
        if let s = Suggest.closest(to: name, in: names) { return "did you mean '\(s)'?" }
        if names.isEmpty { return "this contract declares no \(kind)" }
        return "declared \(kind): \(names.joined(separator: ", "))"
    }
}
