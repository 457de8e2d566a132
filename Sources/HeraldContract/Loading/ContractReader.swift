import HeraldCore

/// Turns the YAML tree of one file into a ``Contract``, failing on the first problem with its location and a hint.
struct ContractReader {
    let file: String

    init(file: String) { self.file = file }

    mutating func contract(_ root: YAMLNode) throws(Diagnostic) -> Contract {
        let f = try root.fields("a contract", allowed: ["contract", "description", "tags", "vars", "defaults", "services",
                                                        "actors", "channels", "steps", "cleanup", "redact"])
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
        let steps = try stepsNode.items("steps").map { n throws(Diagnostic) in try step(n) }
        if steps.isEmpty { throw stepsNode.error("'steps' is empty", hint: "add at least one step") }
        let cleanup = try f["cleanup"].map { c throws(Diagnostic) in try c.items("cleanup").map { n throws(Diagnostic) in try step(n) } } ?? []
        return Contract(
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
    }

    // MARK: - Declarations

    func service(_ name: String, _ node: YAMLNode, keyLocation: SourceLocation) throws(Diagnostic) -> Service {
        if node.isScalar {
            return Service(name: name, url: try node.template("a service URL"), health: nil, healthTimeout: nil,
                           headers: [], insecure: false, caFile: nil, location: keyLocation)
        }
        let f = try node.fields("service '\(name)'", allowed: ["url", "health", "health_timeout", "headers", "insecure", "ca_file"])
        return Service(
            name: name,
            url: try f.required("url", hint: "give the base URL, like url: http://127.0.0.1:8080").template("url"),
            health: try f["health"]?.template("health"),
            healthTimeout: try f["health_timeout"]?.duration("health_timeout"),
            headers: try headerList(f["headers"], what: "headers"),
            insecure: try f["insecure"]?.bool("insecure") ?? false,
            caFile: try f["ca_file"]?.string("ca_file"),
            location: keyLocation
        )
    }

    func actor(_ name: String, _ node: YAMLNode, keyLocation: SourceLocation) throws(Diagnostic) -> ActorDeclaration {
        guard !name.contains("["), !name.contains(".") else {
            throw YAMLNode(node: node.node, file: file).error("actor names cannot contain '[' or '.'")
        }
        if node.isNull { return ActorDeclaration(name: name, count: 1, setup: [], location: keyLocation) }
        let f = try node.fields("actor '\(name)'", allowed: ["count", "setup"])
        let count = try f["count"]?.int("count") ?? 1
        if count < 1 { throw f["count"]!.error("count must be at least 1") }
        let setup = try f["setup"].map { s throws(Diagnostic) in try s.items("setup").map { n throws(Diagnostic) in try step(n) } } ?? []
        return ActorDeclaration(name: name, count: count, setup: setup, location: keyLocation)
    }

    func channel(_ name: String, _ node: YAMLNode, keyLocation: SourceLocation) throws(Diagnostic) -> Channel {
        let kinds = ["websocket"]
        let f = try node.fields("channel '\(name)'", allowed: kinds + ["for", "headers", "subprotocol", "on_open", "ready"])
        guard let kindKey = f.pairs.first(where: { kinds.contains($0.key) }) else {
            throw node.error("channel '\(name)' needs a kind", hint: "write websocket: \"api /ws/path\" (or a full ws:// URL)")
        }
        let (service, target) = try serviceAndTarget(kindKey.value, what: kindKey.key)
        let actors = try f["for"].map { n throws(Diagnostic) in try n.itemsOrOne().map { x throws(Diagnostic) in try actorReference(x) } } ?? []
        let onOpen = try f["on_open"].map { n throws(Diagnostic) in try n.itemsOrOne().map { x throws(Diagnostic) in try payload(x) } } ?? []
        return Channel(
            name: name,
            kind: .websocket,
            service: service,
            target: target,
            actors: actors,
            headers: try headerList(f["headers"], what: "headers"),
            subprotocol: try f["subprotocol"]?.string("subprotocol"),
            onOpen: onOpen,
            ready: try f["ready"].map { n throws(Diagnostic) in try matcher(n) },
            location: keyLocation
        )
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
            throw node.error("'\(text)' names no service", hint: "write \"SERVICE /path\" (like \"api /ws/notifications\") or a full URL")
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

    static let stepKinds = ["http", "poll", "send", "sleep", "shell"]
    static let stepKeys = stepKinds + ["name", "as", "headers", "query", "json", "body", "text", "timeout", "expect", "capture",
                                       "events", "until", "every", "within", "record", "seen"]

    func step(_ node: YAMLNode) throws(Diagnostic) -> Step {
        let f = try node.fields("a step", allowed: Self.stepKeys)
        let kinds = f.pairs.filter { Self.stepKinds.contains($0.key) }
        guard kinds.count == 1 else {
            if kinds.isEmpty {
                throw node.error("a step needs an action", hint: "use one of: http: METHOD SERVICE /path, poll:, send: CHANNEL, sleep: 1s, shell: \"cmd\"")
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
            let until = try matcher(untilNode)
            var record: JSONPath?
            if let r = f["record"] {
                record = try jsonPath(r)
            } else if case .object(let members) = until, let first = members.first {
                record = first.path
            }
            action = .poll(PollAction(
                request: request, until: until,
                every: try f["every"]?.duration("every") ?? .milliseconds(100),
                within: try f["within"]?.duration("within") ?? .seconds(10),
                record: record,
                seen: try f["seen"].map { n throws(Diagnostic) in try n.items("seen").map { x throws(Diagnostic) in try x.json() } }
            ))
        case "send":
            let channel = try kind.value.string("send")
            let body: Payload
            if let j = f["json"] { body = .json(try j.json()) }
            else if let t = f["text"] { body = .text(try t.template("text")) }
            else { throw kind.value.error("send needs the message", hint: "add json: {…} or text: \"…\" to the step") }
            action = .send(SendAction(channel: channel, payload: body))
        case "sleep":
            action = .sleep(try kind.value.duration("sleep"))
        default:
            action = .shell(ShellAction(command: try kind.value.template("shell"),
                                        timeout: try f["timeout"]?.duration("timeout") ?? .seconds(30)))
        }
        if case .http = action {} else if case .poll = action {} else {
            for key in ["expect", "headers", "query", "body"] where f.has(key) {
                throw f[key]!.error("'\(key)' belongs to http and poll steps, not to \(kind.key)")
            }
        }
        return Step(
            name: try f["name"]?.string("name"),
            action: action,
            actor: try f["as"].map { n throws(Diagnostic) in try actorReference(n) },
            response: try f["expect"].map { n throws(Diagnostic) in try responseExpectations(n) } ?? ResponseExpectations(),
            captures: try f["capture"].map { n throws(Diagnostic) in try captures(n) } ?? [],
            events: try f["events"].map { n throws(Diagnostic) in try n.items("events").map { x throws(Diagnostic) in try eventExpectation(x) } } ?? [],
            location: node.location
        )
    }

    func httpAction(_ node: YAMLNode, _ f: Fields) throws(Diagnostic) -> HTTPAction {
        let text = try node.string("http")
        let parts = text.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0] == parts[0].uppercased(), parts[0].allSatisfy(\.isLetter) else {
            throw node.error("'\(text)' is not a request line", hint: "write METHOD SERVICE /path (like POST api /offers) or METHOD URL")
        }
        let (service, target) = try serviceAndTarget(YAMLNode(node: .init(parts[1], .implicit, .plain), file: file)
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
        return HTTPAction(method: parts[0], service: service, target: target,
                          headers: try headerList(f["headers"], what: "headers"), query: query, body: body,
                          timeout: try f["timeout"]?.duration("timeout"))
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
                                allowed: Self.eventKinds + ["channel", "count", "recipients", "as", "within", "capture", "known_gap", "strict"])
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
            for key in ["count", "recipients", "capture"] where f.has(key) {
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
        return EventExpectation(
            channel: try channelNode.string("channel"),
            kind: kind,
            matcher: m,
            actor: try f["as"].map { n throws(Diagnostic) in try actorReference(n) },
            recipients: try f["recipients"].map { n throws(Diagnostic) in try n.itemsOrOne().map { x throws(Diagnostic) in try actorReference(x) } },
            within: try f["within"]?.duration("within"),
            captures: try f["capture"].map { n throws(Diagnostic) in try captures(n) } ?? [],
            knownGap: try f["known_gap"]?.string("known_gap"),
            location: node.location
        )
    }

    func sequenceItem(_ node: YAMLNode) throws(Diagnostic) -> SequenceItem {
        if node.isMapping, let p = try? node.pairs("a sequence item"), p.contains(where: { $0.key == "channel" }) {
            let f = try node.fields("a sequence item", allowed: ["channel", "match"])
            return SequenceItem(channel: try f["channel"]!.string("channel"),
                                matcher: try matcher(try f.required("match")), location: node.location)
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
            if !pattern.contains("${") {
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
        return YAMLNode(node: .scalar(scalar), file: file)
    }
}
