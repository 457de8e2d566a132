import HeraldCore

/// Turns the YAML tree of one file into a ``Contract``, failing on the first problem with its location and a hint.
struct ContractReader {
    let file: String

    init(file: String) { self.file = file }

    mutating func contract(_ root: YAMLNode) throws(Diagnostic) -> Contract {
        let f = try root.fields("a contract", allowed: ["contract", "description", "tags", "vars", "defaults", "services",
                                                        "actors", "channels", "steps", "cleanup", "redact", "load", "thresholds",
                                                        "outputs", "tokens"])
        let nameNode = try f.required("contract", hint: "start the file with 'contract: <what it checks>'")
        var defaults = Defaults()
        if let d = f["defaults"] {
            let df = try d.fields("defaults", allowed: ["within", "http_timeout", "connect_timeout", "health_timeout"])
            if let v = df["within"] { defaults.within = try v.duration("within") }
            if let v = df["http_timeout"] { defaults.httpTimeout = try v.duration("http_timeout") }
            if let v = df["connect_timeout"] { defaults.connectTimeout = try v.duration("connect_timeout") }
            if let v = df["health_timeout"] { defaults.healthTimeout = try v.duration("health_timeout") }
        }
        var variables: [(name: String, value: JSONValue)] = []
        if let v = f["vars"] {
            for pair in try v.pairs("vars") { variables.append((pair.key, try pair.value.json())) }
        }
        var services: [Service] = []
        if let s = f["services"] {
            for pair in try s.pairs("services") { services.append(try service(pair.key, pair.value, keyLocation: pair.keyNode.location)) }
        }
        var actors: [ActorDeclaration] = []
        if let a = f["actors"] {
            for pair in try a.pairs("actors") { actors.append(try actor(pair.key, pair.value, keyLocation: pair.keyNode.location)) }
        }
        var channels: [Channel] = []
        if let c = f["channels"] {
            for pair in try c.pairs("channels") { channels.append(try channel(pair.key, pair.value, keyLocation: pair.keyNode.location)) }
        }
        let stepsNode = try f.required("steps", hint: "a contract needs at least one step under 'steps:'")
        let steps = try stepsNode.items("steps").map { n throws(Diagnostic) in try step(n, mayNameAction: true) }
        if steps.isEmpty { throw stepsNode.error("'steps' is empty", hint: "add at least one step") }
        let cleanup = try f["cleanup"].map { c throws(Diagnostic) in try c.items("cleanup").map { n throws(Diagnostic) in try step(n) } } ?? []
        var contract = Contract(
            name: try nameNode.string("contract"),
            file: file,
            location: nameNode.location,
            description: try f["description"]?.string("description"),
            tags: try f["tags"].map { t throws(Diagnostic) in try t.itemsOrOne().map { n throws(Diagnostic) in try n.string("a tag") } } ?? [],
            variables: variables,
            defaults: defaults,
            services: services,
            actors: actors,
            channels: channels,
            steps: steps,
            cleanup: cleanup,
            redact: try f["redact"].map { r throws(Diagnostic) in try r.itemsOrOne().map { n throws(Diagnostic) in try n.string("a redacted name") } } ?? []
        )
        contract.load = try f["load"].map { n throws(Diagnostic) in try load(n) }
        contract.tokens = try f["tokens"].map { n throws(Diagnostic) in try tokens(n) } ?? []
        if let o = f["outputs"] {
            for pair in try o.pairs("outputs") { contract.outputs.append((pair.key, try pair.value.json(), pair.keyNode.location)) }
        }
        contract.thresholds = try f["thresholds"].map { t throws(Diagnostic) in
            try t.itemsOrOne().map { n throws(Diagnostic) in try threshold(n) }
        } ?? []
        return contract
    }

    /// `load: { concurrency: [1, 2, 4], rounds: 2 }`, or an open model: `load: { rate: [1/s, 5/s], duration: 1m }`.
    func load(_ node: YAMLNode) throws(Diagnostic) -> LoadDeclaration {
        let f = try node.fields("load", allowed: ["concurrency", "rounds", "rate", "duration"])
        var rates: [Rate] = []
        for n in f["rate"]?.itemsOrOne() ?? [] {
            let text = try n.string("a rate")
            do { rates.append(try Rate(text)) } catch {
                throw n.error(error.description, hint: "rate: 100/900s, or levels: rate: [1/s, 2/s, 4/s]")
            }
        }
        var concurrency: [Int] = []
        let levels = rates.isEmpty
            ? try f.required("concurrency", hint: "give the workers of each level: concurrency: [1, 2, 4, 8], or an arrival rate: rate: 5/s")
            : f["concurrency"]
        for n in levels?.itemsOrOne() ?? [] {
            guard let w = Int(try n.string("a level of concurrency")), w >= 1 else {
                throw n.error("a level of concurrency is a number of workers, 1 or more", hint: "concurrency: [1, 2, 4, 8]")
            }
            concurrency.append(w)
        }
        if !rates.isEmpty, concurrency.count > 1, let n = levels {
            throw n.error("with rate:, concurrency is one number: the most flows under way at once", hint: "rate: 5/s, concurrency: 20")
        }
        var rounds = 1
        if let r = f["rounds"] {
            guard let n = Int(try r.string("rounds")), n >= 1 else { throw r.error("rounds must be a whole number, 1 or more", hint: "rounds: 2") }
            rounds = n
        }
        var duration: Duration?
        if let d = f["duration"] {
            guard let value = DurationText.parse(try d.string("duration")), value > .zero else {
                throw d.error("duration must be a time with its unit", hint: "duration: 30s")
            }
            if f["rounds"] != nil { throw d.error("a level lasts rounds or a duration, not both", hint: "keep one of rounds: and duration:") }
            duration = value
        }
        return LoadDeclaration(concurrency: concurrency, rounds: rounds, rates: rates, duration: duration, location: node.location)
    }

    /// One of `thresholds:` (`http.p95<300ms`).
    func threshold(_ node: YAMLNode) throws(Diagnostic) -> Threshold {
        let text = try node.string("a threshold")
        do {
            return try Threshold(text)
        } catch {
            throw node.error(error.description, hint: "thresholds: [\"http.p95<300ms\", \"wrong_recipients==0\"]")
        }
    }

    // MARK: - Declarations

    func service(_ name: String, _ node: YAMLNode, keyLocation: SourceLocation) throws(Diagnostic) -> Service {
        if node.isScalar {
            return Service(name: name, url: try node.template("a service URL"), health: nil, healthTimeout: nil,
                           headers: [], insecure: false, caFile: nil, location: keyLocation)
        }
        let f = try node.fields("service '\(name)'", allowed: ["url", "health", "health_timeout", "headers", "insecure", "ca_file",
                                                             "auth", "username", "password"])
        var service = Service(
            name: name,
            url: try f.required("url", hint: "give the base URL, like url: http://127.0.0.1:8080").template("url"),
            health: try f["health"]?.template("health"),
            healthTimeout: try f["health_timeout"]?.duration("health_timeout"),
            headers: try headerList(f["headers"], what: "headers"),
            insecure: try f["insecure"]?.bool("insecure") ?? false,
            caFile: try f["ca_file"]?.string("ca_file"),
            location: keyLocation
        )
        if let a = f["auth"] { service.auth = try basicAuth(a) }
        if let u = f["username"] {
            if f.has("auth") { throw u.error("a service has auth: or username: and password:, not both") }
            let p = try f.required("password", hint: "a broker login needs password: too (a template, like \"${env.MQTT_PASSWORD}\")")
            service.auth = Credentials(user: try u.template("username"), password: try p.template("password"), location: u.location)
        } else if let p = f["password"] {
            throw p.error("password: needs username:", hint: "add username: beside it")
        }
        return service
    }

    /// `until:` with the `every:`, `within:`, `record:` and `seen:` beside it (an HTTP `poll:`, an `sql:` step).
    func polling(until untilNode: YAMLNode, _ f: Fields) throws(Diagnostic) -> Polling {
        let until = try matcher(untilNode)
        var record: JSONPath?
        if let r = f["record"] {
            record = try jsonPath(r)
        } else if case .object(let members) = until, let first = members.first {
            record = first.path
        }
        return Polling(until: until, every: try f["every"]?.duration("every") ?? .milliseconds(100),
                       within: try f["within"]?.duration("within") ?? .seconds(10), record: record,
                       seen: try f["seen"].map { n throws(Diagnostic) in try n.items("seen").map { x throws(Diagnostic) in try x.json() } })
    }

    /// `auth: { basic: [user, password] }`: HTTP basic auth.
    func basicAuth(_ node: YAMLNode) throws(Diagnostic) -> Credentials {
        let f = try node.fields("auth", allowed: ["basic"])
        let b = try f.required("basic", hint: "auth: { basic: [user, password] }")
        let parts = try b.items("basic")
        guard parts.count == 2 else {
            throw b.error("basic takes a user and a password, found \(parts.count) value\(parts.count == 1 ? "" : "s")",
                          hint: "auth: { basic: [\"${env.API_USER}\", \"${env.API_PASSWORD}\"] }")
        }
        return Credentials(user: try parts[0].template("user"), password: try parts[1].template("password"), location: b.location)
    }

    func actor(_ name: String, _ node: YAMLNode, keyLocation: SourceLocation) throws(Diagnostic) -> ActorDeclaration {
        guard !name.contains("["), !name.contains(".") else {
            throw YAMLNode(node: node.node, file: file, end: node.end).error("actor names cannot contain '[' or '.'")
        }
        if node.isNull { return ActorDeclaration(name: name, count: 1, setup: [], location: keyLocation) }
        let f = try node.fields("actor '\(name)'", allowed: ["count", "setup", "vars"])
        let count = try f["count"]?.int("count") ?? 1
        if count < 1 { throw f["count"]!.error("count must be at least 1") }
        // The planner makes every instance up front: a count of a billion took all memory before any check.
        if count > Self.maxActorCount {
            throw f["count"]!.error("count must be at most \(Self.maxActorCount)",
                                    hint: "an actor stands for a few identities; for many users at once, run a load (load: concurrency)")
        }
        let setup = try f["setup"].map { s throws(Diagnostic) in try s.items("setup").map { n throws(Diagnostic) in try step(n) } } ?? []
        var actor = ActorDeclaration(name: name, count: count, setup: setup, location: keyLocation)
        if let v = f["vars"] {
            for pair in try v.pairs("vars") {
                if ["name", "index"].contains(pair.key) {
                    throw pair.keyNode.error("'\(pair.key)' is every actor's own field", hint: "give the field another name")
                }
                actor.vars.append((pair.key, try pair.value.json()))
            }
        }
        return actor
    }

    /// The most instances an actor can have.
    static let maxActorCount = 10_000

    /// The keys each channel kind accepts besides its own and `for`.
    static let channelKeys: [Channel.Kind: [String]] = [
        .websocket: ["headers", "subprotocol", "on_open", "ready", "max_message_size", "expect"],
        .sse: ["headers", "expect"],
        .nats: ["queue", "username", "password", "token", "expect"],
        .redis: ["keyspace", "enable_keyspace_events", "expect"],
        .mqtt: ["qos", "username", "password", "expect"],
    ]

    func channel(_ name: String, _ node: YAMLNode, keyLocation: SourceLocation) throws(Diagnostic) -> Channel {
        let kinds = Channel.Kind.allCases.map(\.rawValue)
        let allowed = Set(kinds + ["for"] + Self.channelKeys.values.flatMap { $0 })
        if node.isMapping, let pairs = try? node.pairs("channel '\(name)'"), !pairs.contains(where: { kinds.contains($0.key) }),
           let unknown = pairs.first(where: { !allowed.contains($0.key) }) {
            throw unknown.keyNode.error("'\(unknown.key)' is not a channel kind", hint: "channels are one of: \(kinds.joined(separator: ", "))")
        }
        let f = try node.fields("channel '\(name)'", allowed: allowed.sorted())
        let given = f.pairs.filter { kinds.contains($0.key) }
        guard let kindKey = given.first, let kind = Channel.Kind(rawValue: kindKey.key) else {
            throw node.error("channel '\(name)' needs a kind",
                             hint: "write one of websocket: \"api /ws/path\", sse: \"api /events\", nats: \"bus orders.>\", redis: \"cache news\", mqtt: \"broker users/+/inbox\"")
        }
        if given.count > 1 {
            throw given[1].keyNode.error("channel '\(name)' has two kinds, '\(given[0].key)' and '\(given[1].key)'",
                                         hint: "declare two channels")
        }
        for p in f.pairs where !kinds.contains(p.key) && p.key != "for" && !(Self.channelKeys[kind] ?? []).contains(p.key) {
            let owners = Self.channelKeys.filter { $0.value.contains(p.key) }.map(\.key.rawValue).sorted()
            throw p.keyNode.error("'\(p.key)' does not apply to a \(kind.rawValue) channel",
                                  hint: "'\(p.key)' belongs to \(owners.joined(separator: " and ")) channels")
        }
        var broker = BrokerOptions()
        let service: String?
        let target: Template
        if kind == .redis, let keys = f["keyspace"] {
            // `redis: cache` names the service alone; the key pattern is under keyspace:.
            let s = try kindKey.value.string("redis")
            if s.contains(" ") {
                throw kindKey.value.error("with keyspace:, redis: names the service only",
                                          hint: "write redis: \"\(s.split(separator: " ")[0])\" and keyspace: \"order:*\"")
            }
            service = s.contains("://") || s.hasPrefix("${") ? nil : s
            broker.keyspace = true
            target = try keys.template("keyspace")
            if service == nil {
                throw kindKey.value.error("a keyspace channel needs a service name", hint: "declare the Redis server under services: and name it here")
            }
        } else {
            (service, target) = try serviceAndTarget(kindKey.value, what: kindKey.key)
        }
        if kind != .websocket, kind != .sse, service == nil {
            throw kindKey.value.error("a \(kind.rawValue) channel needs a service and a \(kind == .mqtt ? "topic" : kind == .redis ? "channel" : "subject")",
                                      hint: "declare the broker under services: (url: \(kind.rawValue)://127.0.0.1:PORT) and write \(kind.rawValue): \"SERVICE \(kind == .mqtt ? "users/+/inbox" : kind == .redis ? "news" : "orders.>")\"")
        }
        broker.enableKeyspaceEvents = try f["enable_keyspace_events"]?.bool("enable_keyspace_events") ?? false
        if broker.enableKeyspaceEvents, !broker.keyspace, let n = f["enable_keyspace_events"] {
            throw n.error("enable_keyspace_events needs keyspace:", hint: "add keyspace: \"order:*\"")
        }
        broker.queue = try f["queue"]?.string("queue")
        if let q = f["qos"] {
            let n = try q.int("qos")
            guard (0...2).contains(n) else { throw q.error("qos must be 0, 1 or 2") }
            broker.qos = n
        }
        broker.username = try f["username"]?.template("username")
        broker.password = try f["password"]?.template("password")
        broker.token = try f["token"]?.template("token")
        let actors = try f["for"].map { n throws(Diagnostic) in try n.itemsOrOne().map { x throws(Diagnostic) in try actorReference(x) } } ?? []
        let onOpen = try f["on_open"].map { n throws(Diagnostic) in try n.itemsOrOne().map { x throws(Diagnostic) in try payload(x) } } ?? []
        var channel = Channel(
            name: name,
            kind: kind,
            service: service,
            target: target,
            actors: actors,
            headers: try headerList(f["headers"], what: "headers"),
            subprotocol: try f["subprotocol"]?.string("subprotocol"),
            onOpen: onOpen,
            ready: try f["ready"].map { n throws(Diagnostic) in try matcher(n) },
            broker: broker,
            location: keyLocation
        )
        if let m = f["max_message_size"] { channel.maxMessageSize = try byteSize(m) }
        if let e = f["expect"] {
            channel.refused = try refusal(e, kind: kind)
            for key in ["on_open", "ready"] where f.has(key) {
                throw f[key]!.error("a channel that must be refused never opens, so it has no '\(key)'", hint: "remove '\(key)'")
            }
        }
        return channel
    }

    /// A channel's `expect: { refused: 403 }` (or `[401, 403]`; `not_authorised` for a broker).
    func refusal(_ node: YAMLNode, kind: Channel.Kind) throws(Diagnostic) -> Refusal {
        let f = try node.fields("a channel's expect", allowed: ["refused"])
        let r = try f.required("refused", hint: "a channel expects its connections to be refused: expect: { refused: 403 }")
        if kind == .websocket || kind == .sse {
            var statuses: [Int] = []
            for n in r.itemsOrOne() {
                let status = try n.int("refused")
                guard (300...599).contains(status) else {
                    throw n.error("a refusal is an HTTP status from 300 to 599, found \(status)", hint: "expect: { refused: [401, 403] }")
                }
                statuses.append(status)
            }
            if statuses.isEmpty { throw r.error("refused needs a status", hint: "expect: { refused: 403 }") }
            return Refusal(.status(statuses), at: r.location)
        }
        let text = try r.string("refused")
        guard text == "not_authorised" || text == "not_authorized" else {
            throw r.error("a \(kind.rawValue) channel is refused as not_authorised, found '\(text)'",
                          hint: "expect: { refused: not_authorised } (a broker refuses credentials, not with an HTTP status)")
        }
        return Refusal(.notAuthorised, at: r.location)
    }

    /// A size in bytes: `1048576`, `512KiB`, `16MiB`.
    func byteSize(_ node: YAMLNode) throws(Diagnostic) -> Int {
        let text = try node.string("a size")
        for (suffix, scale) in [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("", 1)] where text.hasSuffix(suffix) {
            if let n = Int(text.dropLast(suffix.count)), n >= 1, n <= (1 << 40) / scale { return n * scale }
        }
        throw node.error("'\(text)' is not a size", hint: "a number of bytes, or with KiB, MiB or GiB: max_message_size: 64MiB")
    }

    /// A payload: `{ json: … }`, `{ text: … }`, or a bare mapping/string (JSON / text).
    func payload(_ node: YAMLNode) throws(Diagnostic) -> Payload {
        if node.isMapping {
            let p = try node.pairs("a message")
            if p.count == 1, p[0].key == "json" { return .json(try p[0].value.json()) }
            if p.count == 1, p[0].key == "text" { return .text(try p[0].value.template("text")) }
            return .json(try node.json())
        }
        if node.isScalar { return .text(try node.template("a message")) }
        return .json(try node.json())
    }

    /// What follows the service in each kind of target, for hints.
    static let targetExamples = [
        "websocket": "\"api /ws/notifications\"", "sse": "\"api /events\"", "http": "GET api /orders",
        "nats": "\"bus orders.>\"", "redis": "\"cache news\"", "mqtt": "\"broker users/+/inbox\"",
        "publish": "\"bus orders.created\"", "request": "\"bus svc.echo\"", "key": "\"cache order:${orderId}\"",
    ]

    /// `"api /path"` → (api, /path); `"http://host/path"` → (nil, URL).
    func serviceAndTarget(_ node: YAMLNode, what: String) throws(Diagnostic) -> (String?, Template) {
        let text = try node.string(what)
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            let target: Template
            do { target = try Template(parts[1], location: node.location) } catch { throw node.error(error.message) }
            return (parts[0], target)
        }
        guard text.contains("://") || text.hasPrefix("${") else {
            let example = Self.targetExamples[what] ?? "\"api /path\""
            throw node.error("'\(text)' names no \(parts.count == 1 && !text.hasPrefix("/") ? "target after the service" : "service")",
                             hint: "write SERVICE and its target, like \(what): \(example)")
        }
        return (nil, try node.template(what))
    }

    func headerList(_ node: YAMLNode?, what: String) throws(Diagnostic) -> [(name: String, value: Template)] {
        guard let node else { return [] }
        return try node.pairs(what).map { p throws(Diagnostic) in (p.key, try p.value.template("header '\(p.key)'")) }
    }

    func actorReference(_ node: YAMLNode) throws(Diagnostic) -> ActorReference {
        let text = try node.string("an actor")
        if let open = text.firstIndex(of: "["), text.hasSuffix("]") {
            let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
            guard let n = Int(inner), n >= 0 else { throw node.error("'\(text)' is not an actor instance", hint: "write name[0], name[1], …") }
            return ActorReference(name: String(text[..<open]), index: n, location: node.location)
        }
        return ActorReference(name: text, index: nil, location: node.location)
    }

    // MARK: - Steps

    static let stepKinds = ["http", "poll", "send", "sleep", "shell", "publish", "request", "redis", "sql"]
    static let stepKeys = stepKinds + ["name", "as", "headers", "query", "json", "body", "text", "timeout", "expect", "capture",
                                       "events", "cache", "until", "every", "within", "record", "seen", "command", "qos", "retain",
                                       "action", "params", "auth", "sign"]

    /// A step; only the contract's own steps (`mayNameAction`) can belong to an agent action, not setup or cleanup.
    func step(_ node: YAMLNode, mayNameAction: Bool = false) throws(Diagnostic) -> Step {
        var s = try stepBody(node)
        let f = try node.fields("a step", allowed: Self.stepKeys)
        if let a = f["action"] {
            guard mayNameAction else {
                throw a.error("'action' groups the contract's steps:, not setup or cleanup steps",
                              hint: "setup runs when an agent prepares a test, cleanup when it cleans it up; remove 'action' here")
            }
            let name = try a.string("action")
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw a.error("an action name is letters, digits, '-', '_' or '.', found '\(name)'",
                              hint: "name the action as the orchestrator asks for it, like action: submitOrder")
            }
            s.actionName = name
        }
        return s
    }

    private func stepBody(_ node: YAMLNode) throws(Diagnostic) -> Step {
        let f = try node.fields("a step", allowed: Self.stepKeys)
        let kinds = f.pairs.filter { Self.stepKinds.contains($0.key) }
        if kinds.isEmpty, f.has("events") {
            // A step that only waits for events (pushed on connect, or after an earlier step).
            if let other = f.pairs.first(where: { !["name", "events", "action"].contains($0.key) }) {
                throw other.keyNode.error("'\(other.key)' needs an action in its step",
                                          hint: "a step without an action only waits for its events:; add http:, publish:, … or remove '\(other.key)'")
            }
            return Step(name: try f["name"]?.string("name") ?? "wait for events", action: .sleep(.zero), actor: nil,
                        response: ResponseExpectations(), captures: [],
                        events: try f["events"]!.items("events").map { x throws(Diagnostic) in try eventExpectation(x) },
                        location: node.location)
        }
        guard kinds.count == 1 else {
            if kinds.isEmpty {
                throw node.error("a step needs an action",
                                 hint: "use one of: http: METHOD SERVICE /path, poll:, send: CHANNEL, publish: \"SERVICE subject\", request:, redis: \"SERVICE COMMAND …\", sql: SERVICE, sleep: 1s, shell: \"cmd\"")
            }
            throw kinds[1].keyNode.error("a step has one action; found both '\(kinds[0].key)' and '\(kinds[1].key)'",
                                         hint: "split it into two steps")
        }
        let kind = kinds[0]
        let action: Action
        switch kind.key {
        case "http":
            action = .http(try httpAction(kind.value, f))
        case "poll":
            let request = try httpAction(kind.value, f)
            let untilNode = try f.required("until", hint: "say when to stop, like until: { $.status: DONE }")
            action = .poll(PollAction(request: request, polling: try polling(until: untilNode, f)))
        case "send":
            let channel = try kind.value.string("send")
            let body: Payload
            if let j = f["json"] { body = .json(try j.json()) }
            else if let t = f["text"] { body = .text(try t.template("text")) }
            else { throw kind.value.error("send needs the message", hint: "add json: {…} or text: \"…\" to the step") }
            action = .send(SendAction(channel: channel, payload: body))
        case "sleep":
            action = .sleep(try kind.value.duration("sleep"))
        case "publish", "request":
            let (service, subject) = try serviceAndTarget(kind.value, what: kind.key)
            let body: Payload
            if let j = f["json"] { body = .json(try j.json()) }
            else if let t = f["text"] { body = .text(try t.template("text")) }
            else if kind.key == "request" { body = .text(Template(literal: "")) }
            else { throw kind.value.error("publish needs the message", hint: "add json: {…} or text: \"…\" to the step") }
            var qos = 0
            if let q = f["qos"] {
                qos = try q.int("qos")
                guard (0...2).contains(qos) else { throw q.error("qos must be 0, 1 or 2") }
            }
            let message = PublishAction(service: service, subject: subject, payload: body,
                                        headers: try headerList(f["headers"], what: "headers"), qos: qos,
                                        retain: try f["retain"]?.bool("retain") ?? false,
                                        timeout: try f["timeout"]?.duration("timeout"))
            action = kind.key == "publish" ? .publish(message) : .request(message)
        case "redis":
            let text = try kind.value.string("redis")
            let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            var command: [Template] = []
            if let c = f["command"] {
                if words.count > 1 { throw c.error("the command is written twice", hint: "write redis: SERVICE with command: [ … ], or redis: \"SERVICE COMMAND args…\"") }
                command = try c.items("command").map { n throws(Diagnostic) in
                    n.isScalar ? try n.template("a command argument") : Template(literal: try n.json().encoded())
                }
            } else {
                for w in words.dropFirst() {
                    do { command.append(try Template(w, location: kind.value.location)) } catch { throw kind.value.error(error.message) }
                }
            }
            guard let service = words.first, !command.isEmpty else {
                throw kind.value.error("'\(text)' is not a Redis command", hint: "write redis: \"SERVICE COMMAND args…\", like redis: \"cache DEL order:42\"")
            }
            action = .redis(RedisCommandAction(service: service, command: command))
        case "sql":
            action = .sql(try sqlAction(kind.value, f))
        default:
            action = .shell(ShellAction(command: try kind.value.template("shell"),
                                        timeout: try f["timeout"]?.duration("timeout") ?? .seconds(30)))
        }
        let allowedHere: Set<String> = switch action {
        case .http, .poll: ["expect", "headers", "query", "body", "auth", "sign"]
        case .publish: ["headers", "qos", "retain"]
        case .request: ["headers", "expect"]
        case .redis: ["command", "expect"]
        case .sql: ["expect", "query", "params"]
        default: []
        }
        for key in ["expect", "headers", "query", "body", "qos", "retain", "command", "params", "auth", "sign"] where f.has(key) && !allowedHere.contains(key) {
            throw f[key]!.error("'\(key)' does not belong to a \(kind.key) step")
        }
        return Step(
            name: try f["name"]?.string("name"),
            action: action,
            actor: try f["as"].map { n throws(Diagnostic) in try actorReference(n) },
            response: try f["expect"].map { n throws(Diagnostic) in
                if case .sql = action { return try sqlExpectations(n) }
                return try responseExpectations(n)
            } ?? ResponseExpectations(),
            captures: try f["capture"].map { n throws(Diagnostic) in try captures(n) } ?? [],
            events: try f["events"].map { n throws(Diagnostic) in try n.items("events").map { x throws(Diagnostic) in try eventExpectation(x) } } ?? [],
            caches: try f["cache"].map { n throws(Diagnostic) in try n.items("cache").map { x throws(Diagnostic) in try cacheExpectation(x) } } ?? [],
            location: node.location
        )
    }

    /// `{ key: "cache order:1", absent: true }`, `{ key: …, present: true }`, `{ key: …, equals: … }`, or
    /// `{ revalidates: GET api /orders/1, as: buyer, body: {…} }`, each with an optional `within:` and `known_gap:`.
    func cacheExpectation(_ node: YAMLNode) throws(Diagnostic) -> CacheExpectation {
        let f = try node.fields("a cache expectation",
                                allowed: ["key", "absent", "present", "equals", "revalidates", "as", "headers", "body", "within", "known_gap"])
        let target: CacheExpectation.Target
        let condition: CacheExpectation.Condition
        if let k = f["key"] {
            if f.has("revalidates") { throw k.error("a cache expectation watches a key or a resource, not both", hint: "write two") }
            let (service, key) = try serviceAndTarget(k, what: "key")
            guard service != nil else { throw k.error("name the Redis service before the key", hint: "write key: \"cache order:${orderId}\"") }
            target = .redisKey(service: service, key: key)
            let conditions = ["absent", "present", "equals"].filter { f.has($0) }
            guard conditions.count == 1 else {
                throw node.error(conditions.isEmpty ? "say what must become true of the key" : "'\(conditions[0])' and '\(conditions[1])' cannot be combined",
                                 hint: "add one of absent: true, present: true or equals: VALUE")
            }
            switch conditions[0] {
            case "absent":
                guard try f["absent"]!.bool("absent") else { throw f["absent"]!.error("absent: false says nothing", hint: "write present: true") }
                condition = .absent
            case "present":
                guard try f["present"]!.bool("present") else { throw f["present"]!.error("present: false says nothing", hint: "write absent: true") }
                condition = .present
            default:
                condition = .equals(try matcher(f["equals"]!))
            }
            for key in ["as", "headers", "body"] where f.has(key) {
                throw f[key]!.error("'\(key)' belongs to a revalidates: check, not to a key")
            }
        } else if let r = f["revalidates"] {
            for key in ["absent", "present", "equals"] where f.has(key) {
                throw f[key]!.error("'\(key)' belongs to a key: check", hint: "a revalidates: check takes body: to match the fresh copy")
            }
            var request = try httpAction(r, Fields(node: r, what: "revalidates", pairs: []))
            request.headers = try headerList(f["headers"], what: "headers")
            guard request.method == "GET" || request.method == "HEAD" else {
                throw r.error("revalidation asks with GET or HEAD, not \(request.method)")
            }
            target = .http(request)
            condition = .revalidates(body: try f["body"].map { n throws(Diagnostic) in try matcher(n) })
        } else {
            throw node.error("a cache expectation needs key: or revalidates:",
                             hint: "key: \"cache order:${id}\" with absent: true, or revalidates: GET api /orders/${id}")
        }
        return CacheExpectation(
            target: target, condition: condition,
            actor: try f["as"].map { n throws(Diagnostic) in try actorReference(n) },
            within: try f["within"]?.duration("within"),
            knownGap: try f["known_gap"]?.string("known_gap"),
            location: node.location)
    }

    func httpAction(_ node: YAMLNode, _ f: Fields) throws(Diagnostic) -> HTTPAction {
        let text = try node.string("http")
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0] == parts[0].uppercased(), parts[0].allSatisfy(\.isLetter) else {
            throw node.error("'\(text)' is not a request line", hint: "write METHOD SERVICE /path (like POST api /offers) or METHOD URL")
        }
        let (service, target) = try serviceAndTarget(YAMLNode(node: .init(parts[1], .implicit, .plain), file: file, end: node.end)
            .relocated(to: node), what: "http")
        var body: Payload?
        if let j = f["json"] { body = .json(try j.json()) }
        if let b = f["body"] {
            if body != nil { throw b.error("a request has either json or body, not both") }
            body = .text(try b.template("body"))
        }
        var query: [(name: String, value: Template)] = []
        if let q = f["query"] {
            for p in try q.pairs("query") {
                let v = p.value.isScalar ? try p.value.template("query '\(p.key)'") : Template(literal: try p.value.json().encoded())
                query.append((p.key, v))
            }
        }
        var action = HTTPAction(method: parts[0], service: service, target: target,
                                headers: try headerList(f["headers"], what: "headers"), query: query, body: body,
                                timeout: try f["timeout"]?.duration("timeout"))
        action.auth = try f["auth"].map { a throws(Diagnostic) in try basicAuth(a) }
        action.sign = try f["sign"].map { n throws(Diagnostic) in try bodySignature(n) }
        return action
    }

    func responseExpectations(_ node: YAMLNode) throws(Diagnostic) -> ResponseExpectations {
        let f = try node.fields("expect", allowed: ["status", "headers", "body"])
        var r = ResponseExpectations()
        r.location = node.location
        if let s = f["status"] {
            if s.isSequence { r.status = .oneOf(try s.items("status").map { n throws(Diagnostic) in .number(Double(try n.int("a status"))) }) }
            else if s.isScalar { r.status = .equals(.number(Double(try s.int("status")))) }
            else { r.status = try matcher(s) }
        }
        if let h = f["headers"] {
            for p in try h.pairs("expect.headers") { r.headers.append((p.key, try matcher(p.value), p.keyNode.location)) }
        }
        if let b = f["body"] { r.body = try matcher(b) }
        return r
    }

    func captures(_ node: YAMLNode) throws(Diagnostic) -> [Capture] {
        try node.pairs("capture").map { p throws(Diagnostic) in
            let source: Capture.Source
            if p.value.isMapping {
                let cf = try p.value.fields("capture '\(p.key)'", allowed: ["header", "path"])
                if let h = cf["header"] { source = .header(try h.string("header")) }
                else if let path = cf["path"] { source = .path(try jsonPath(path)) }
                else { throw p.value.error("capture '\(p.key)' needs header: NAME or path: $.field") }
            } else {
                let text = try p.value.string("capture '\(p.key)'")
                if text == "status" { source = .status }
                else { source = .path(try jsonPath(p.value)) }
            }
            return Capture(name: p.key, source: source, location: p.keyNode.location)
        }
    }

    func jsonPath(_ node: YAMLNode) throws(Diagnostic) -> JSONPath {
        let text = try node.string("a JSONPath")
        do { return try JSONPath(text) } catch {
            throw node.error(error.message, hint: "JSONPaths look like $.id, $.items[0].type or $['odd key']")
        }
    }

    // MARK: - Event expectations

    static let eventKinds = ["match", "absent", "sequence"]

    func eventExpectation(_ node: YAMLNode) throws(Diagnostic) -> EventExpectation {
        let f = try node.fields("an event expectation",
                                allowed: Self.eventKinds + ["channel", "count", "recipients", "as", "within", "capture", "known_gap", "strict",
                                                            "headers", "from", "latency"] + Self.subjectKeys)
        let channelNode = try f.required("channel", hint: "say which channel to watch, like channel: inbox")
        let kinds = f.pairs.filter { Self.eventKinds.contains($0.key) }
        guard kinds.count == 1 else {
            if kinds.isEmpty {
                throw node.error("an event expectation needs match:, absent: or sequence:",
                                 hint: "match: {type: x} waits for an event; absent: {type: x} asserts none arrives; sequence: [...] asserts an order")
            }
            throw kinds[1].keyNode.error("'\(kinds[0].key)' and '\(kinds[1].key)' cannot be combined", hint: "write two expectations")
        }
        var kind: EventExpectation.Kind
        var m: Matcher = .object([])
        switch kinds[0].key {
        case "match":
            m = try matcher(kinds[0].value)
            kind = .match
            if let c = f["count"] {
                let n = try c.int("count")
                if n < 0 { throw c.error("count cannot be negative") }
                kind = .count(n)
            }
        case "absent":
            m = try matcher(kinds[0].value)
            kind = .absent
            for key in ["count", "recipients", "capture", "latency"] where f.has(key) {
                throw f[key]!.error("'\(key)' makes no sense with absent", hint: "absent asserts that no matching event arrives")
            }
        default:
            let items = try kinds[0].value.items("sequence").map { n throws(Diagnostic) in try sequenceItem(n) }
            if items.count < 2 { throw kinds[0].value.error("a sequence needs at least two events") }
            kind = .sequence(items, strict: try f["strict"]?.bool("strict") ?? false)
            for key in ["count", "recipients"] where f.has(key) {
                throw f[key]!.error("'\(key)' makes no sense with sequence")
            }
        }
        if f.has("strict"), case .sequence = kind {} else if let s = f["strict"] {
            throw s.error("'strict' belongs to sequence")
        }
        let subject = try subjectMatcher(f)
        if subject != nil, case .sequence = kind {
            throw node.error("a sequence names the subject of each event", hint: "write subject: on the items: - { subject: orders.created, match: {…} }")
        }
        var headers: [(name: String, matcher: Matcher)] = []
        if let h = f["headers"] {
            if case .sequence = kind { throw h.error("'headers' makes no sense with sequence") }
            headers = try h.pairs("headers").map { p throws(Diagnostic) in (p.key, try matcher(p.value)) }
        }
        var expectation = EventExpectation(
            channel: try channelNode.string("channel"),
            kind: kind,
            matcher: m,
            subject: subject,
            headers: headers,
            actor: try f["as"].map { n throws(Diagnostic) in try actorReference(n) },
            recipients: try f["recipients"].map { n throws(Diagnostic) in try n.itemsOrOne().map { x throws(Diagnostic) in try actorReference(x) } },
            within: try f["within"]?.duration("within"),
            captures: try f["capture"].map { n throws(Diagnostic) in try captures(n) } ?? [],
            knownGap: try f["known_gap"]?.string("known_gap"),
            location: node.location,
            from: try f["from"].map { n throws(Diagnostic) in try origin(n) } ?? .trigger
        )
        if let l = f["latency"] { expectation.latency = try latencyLimits(l) }
        return expectation
    }

    /// `from: trigger` (the default), `from: connect`, `from: step 2`, or `from:` an earlier step's name.
    func origin(_ node: YAMLNode) throws(Diagnostic) -> EventExpectation.Origin {
        if node.isScalar, let n = try? node.int("from") {
            throw node.error("from: \(n) names no step", hint: "write from: step \(n)")
        }
        let text = try node.string("from")
        switch text {
        case "trigger": return .trigger
        case "connect": return .connect
        default:
            let words = text.split(separator: " ")
            if words.count == 2, words[0] == "step", let n = Int(words[1]) {
                guard n >= 1 else { throw node.error("steps are numbered from 1", hint: "from: step 1") }
                return .step(.number(n))
            }
            if text.isEmpty { throw node.error("from: is empty", hint: "from: trigger, connect, step N or an earlier step's name") }
            return .step(.name(text))
        }
    }

    /// `latency: { p95: 200ms, max: 1s }`: bounds on percentiles of an expectation's delivery latency.
    func latencyLimits(_ node: YAMLNode) throws(Diagnostic) -> [LatencyLimit] {
        let hint = "latency: { p95: 200ms, max: 1s } (p50 … p99.9, or max)"
        var limits: [LatencyLimit] = []
        for p in try node.pairs("latency") {
            guard let percentile = LatencyLimit.percentile(named: p.key) else {
                throw p.keyNode.error("'\(p.key)' is not a percentile", hint: hint)
            }
            guard let d = DurationText.parse(try p.value.string("a latency")) else {
                throw p.value.error("a latency is a time with its unit", hint: hint)
            }
            limits.append(LatencyLimit(percentile: percentile, ms: d.milliseconds))
        }
        if limits.isEmpty { throw node.error("latency: names at least one percentile", hint: hint) }
        return limits
    }

    /// The keys that name what an event arrives on: a NATS subject or Redis channel, an MQTT topic, an SSE event name.
    static let subjectKeys = ["subject", "topic", "event"]

    /// The `subject:` (or `topic:`, `event:`) of an expectation: a string, or an operator like `{ $regex: … }`.
    func subjectMatcher(_ f: Fields) throws(Diagnostic) -> Matcher? {
        let given = Self.subjectKeys.filter { f.has($0) }
        if given.count > 1 {
            throw f[given[1]]!.error("'\(given[0])' and '\(given[1])' name the same thing", hint: "keep one")
        }
        return try given.first.map { k throws(Diagnostic) in try matcher(f[k]!) }
    }

    func sequenceItem(_ node: YAMLNode) throws(Diagnostic) -> SequenceItem {
        // `{ channel: …, match: …, subject: … }` when it has match:, or channel: among item keys only; any other
        // mapping is the matcher itself, so that a payload field called `channel` beside others is matched, not taken
        // for Herald's channel (write it under match: when it is the only field).
        let itemKeys = Set(["channel", "match"] + Self.subjectKeys)
        if node.isMapping, let p = try? node.pairs("a sequence item"),
           p.contains(where: { $0.key == "match" }) || (p.contains { $0.key == "channel" } && p.allSatisfy { itemKeys.contains($0.key) }) {
            let f = try node.fields("a sequence item", allowed: ["channel", "match"] + Self.subjectKeys)
            return SequenceItem(channel: try f["channel"]?.string("channel"),
                                matcher: try f["match"].map { n throws(Diagnostic) in try matcher(n) } ?? .object([]),
                                subject: try subjectMatcher(f), location: node.location)
        }
        return SequenceItem(channel: nil, matcher: try matcher(node), location: node.location)
    }

    // MARK: - Matchers

    func matcher(_ node: YAMLNode) throws(Diagnostic) -> Matcher {
        if node.isSequence { return .array(try node.items("a list").map { n throws(Diagnostic) in try matcher(n) }) }
        guard node.isMapping else { return .equals(try node.json()) }
        let pairs = try node.pairs("a matcher")
        let operators = pairs.filter { Matcher.looksLikeOperator($0.key) }
        if !operators.isEmpty {
            for p in operators where !Matcher.operatorNames.contains(p.key) {
                let known = Matcher.operatorNames.sorted()
                let guess = Suggest.closest(to: p.key, in: known).map { "did you mean '\($0)'? " } ?? ""
                throw p.keyNode.error("unknown operator '\(p.key)'", hint: "\(guess)operators: \(known.joined(separator: ", "))")
            }
            if let field = pairs.first(where: { !Matcher.looksLikeOperator($0.key) }) {
                throw field.keyNode.error("'\(field.key)' is a field, but this mapping holds operators",
                                          hint: "write operators in a mapping of their own: { price: { $gt: 10 } }")
            }
            var ops: [Matcher] = []
            for p in pairs { ops.append(try operatorMatcher(String(p.key.dropFirst()), p.value)) }
            return ops.count == 1 ? ops[0] : .all(ops)
        }
        var members: [Matcher.Member] = []
        for p in pairs {
            let path: JSONPath
            if p.key.hasPrefix("$") {
                do { path = try JSONPath(p.key) } catch {
                    throw p.keyNode.error(error.message, hint: "JSONPaths look like $.id, $.items[0].type or $['odd key']")
                }
            } else {
                path = JSONPath(fields: [p.key])
            }
            members.append(Matcher.Member(key: p.key, path: path, matcher: try matcher(p.value)))
        }
        return .object(members)
    }

    func operatorMatcher(_ name: String, _ node: YAMLNode) throws(Diagnostic) -> Matcher {
        func number() throws(Diagnostic) -> Double {
            guard case .number(let n) = try node.json() else { throw node.error("'\(name)' needs a number") }
            return n
        }
        switch name {
        case "exists": return .exists(try node.bool("exists"))
        case "regex":
            let pattern = try node.string("regex")
            if !pattern.hasTemplateReference {
                do { _ = try Regex(pattern) } catch { throw node.error("invalid regular expression: \(error)") }
            }
            return .regex(pattern)
        case "one_of": return .oneOf(try node.items("one_of").map { n throws(Diagnostic) in try n.json() })
        case "gt": return .compare(.gt, try number())
        case "gte": return .compare(.gte, try number())
        case "lt": return .compare(.lt, try number())
        case "lte": return .compare(.lte, try number())
        case "ne": return .notEqual(try node.json())
        case "contains": return .contains(try matcher(node))
        case "type":
            let t = try node.string("type")
            let types = ["string", "number", "boolean", "object", "array", "null"]
            guard types.contains(t) else {
                throw node.error("unknown type '\(t)'", hint: "one of: \(types.joined(separator: ", "))")
            }
            return .type(t)
        default: return .equals(try node.json())
        }
    }
}

extension YAMLNode {
    /// The same node content, reported at `other`'s location.
    func relocated(to other: YAMLNode) -> YAMLNode {
        var scalar = node.scalar!
        scalar.mark = other.node.mark
        return YAMLNode(node: .scalar(scalar), file: file, end: other.end)
    }
}
