import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import Testing

/// A small valid contract that the bad-input tests break one line at a time.
let minimal = """
contract: minimal
services:
  api: { url: "http://127.0.0.1:1", health: /health }
actors:
  buyer:
    setup:
      - http: POST api /test/users
        json: { role: buyer }
        capture: { id: $.id, token: $.token }
  seller: { count: 2 }
channels:
  inbox:
    websocket: "api /ws"
    for: [buyer, seller]
    headers: { Authorization: "Bearer ${actor.token}" }
    on_open: [ { json: { action: subscribe } } ]
    ready: { type: subscribed }
steps:
  - http: POST api /orders
    as: buyer
    json: { qty: 2 }
    expect: { status: [200, 201], body: { $.id: { $exists: true } } }
    capture: { orderId: $.id }
    events:
      - channel: inbox
        match: { type: order.created, id: "${orderId}" }
        recipients: ["seller[1]"]
        within: 2s
"""

func diagnostics(_ text: String, vars: [String: String] = [:]) -> [Diagnostic] {
    do {
        let c = try ContractLoader.parse(text, file: "c.yaml")
        _ = try Planner.plan(c, options: RunOptions(variables: vars, environment: [:]))
        return []
    } catch let e as ContractErrors {
        return e.diagnostics
    } catch let d as Diagnostic {
        return [d]
    } catch {
        Issue.record("unexpected error \(error)")
        return []
    }
}

@Suite struct LoaderTests {
    @Test func loadsAValidContract() throws {
        let c = try ContractLoader.parse(minimal, file: "c.yaml")
        #expect(c.name == "minimal")
        #expect(c.actors.map(\.count) == [1, 2])
        #expect(c.channels[0].actors.map(\.description) == ["buyer", "seller"])
        #expect(c.steps.count == 1)
        let step = c.steps[0]
        guard case .http(let h) = step.action else { Issue.record("not http"); return }
        #expect(h.method == "POST" && h.service == "api" && h.target.raw == "/orders")
        #expect(step.events[0].recipients?.map(\.description) == ["seller[1]"])
        #expect(step.events[0].within == .seconds(2))
        let stepAt = try #require(Self.position(of: "http: POST api /orders", in: minimal))
        #expect(step.location == SourceLocation(file: "c.yaml", line: stepAt.line, column: stepAt.column))
        let plan = try Planner.plan(c, options: RunOptions(environment: [:]))
        #expect(plan.actors.map(\.description) == ["buyer", "seller[0]", "seller[1]"])
    }

    @Test("steps name the agent action they belong to; outputs are kept in order; herald run still sees every step")
    func agentActionsAndOutputs() throws {
        let yaml = """
            contract: actions
            services:
              api: { url: "http://127.0.0.1:1" }
            outputs:
              buyerId: "${run.id}"
              order: { id: "${orderId}" }
            steps:
              - http: GET api /health
              - http: POST api /orders
                action: submitOrder
                capture: { orderId: $.id }
              - http: GET api /orders
                action: submitOrder
              - http: DELETE api /orders
                action: cancel-order.v2
            """
        let c = try ContractLoader.parse(yaml, file: "c.yaml")
        #expect(c.steps.map(\.actionName) == [nil, "submitOrder", "submitOrder", "cancel-order.v2"])
        #expect(c.actionNames == ["submitOrder", "cancel-order.v2"])
        #expect(c.outputs.map(\.name) == ["buyerId", "order"])
        #expect(c.outputs.last?.value["id"] == .string("${orderId}"))
    }

    @Test func loadsTheBundledDemoContracts() throws {
        let contracts = try ContractLoader.load(paths: ["contracts"])
        #expect(!contracts.isEmpty)
        _ = try Planner.plan(contracts, options: RunOptions(environment: [:]))
    }

    /// One way to break `minimal`: the diagnostic must point at the first occurrence of `at` in the broken text.
    struct BadCase: Sendable, CustomTestStringConvertible {
        var name: String
        var replace: String
        var with: String
        /// Text whose first character is where the diagnostic must point.
        var at: String
        /// False when only the line is checked (libyaml reports syntax errors where it noticed them).
        var checkColumn = true
        var message: String
        var hint: String?
        var testDescription: String { name }
    }

    static let badCases: [BadCase] = [
        BadCase(name: "unknown key", replace: "    within: 2s", with: "    whithin: 2s", at: "whithin",
                message: "unknown key 'whithin'", hint: "did you mean 'within'?"),
        BadCase(name: "bad duration", replace: "within: 2s", with: "within: soon", at: "soon",
                message: "within must be a duration", hint: "2s"),
        BadCase(name: "unknown actor", replace: "    as: buyer", with: "    as: byuer", at: "byuer",
                message: "unknown actor 'byuer'", hint: "did you mean 'buyer'?"),
        BadCase(name: "instance out of range", replace: #"["seller[1]"]"#, with: #"["seller[2]"]"#, at: #""seller[2]""#,
                message: "'seller[2]' does not exist", hint: "seller[0] to seller[1]"),
        BadCase(name: "unknown channel", replace: "      - channel: inbox", with: "      - channel: inbx", at: "channel: inbx",
                message: "unknown channel 'inbx'", hint: "did you mean 'inbox'?"),
        BadCase(name: "unknown service", replace: "POST api /orders", with: "POST apx /orders", at: "http: POST apx",
                message: "unknown service 'apx'", hint: "did you mean 'api'?"),
        BadCase(name: "bad JSONPath", replace: "capture: { orderId: $.id }", with: #"capture: { orderId: "$.id[x]" }"#,
                at: #""$.id[x]""#, message: "expected an index", hint: "JSONPaths look like"),
        BadCase(name: "unknown variable", replace: #"id: "${orderId}""#, with: #"id: "${ordrId}""#, at: "channel: inbox",
                message: "unknown variable 'ordrId'", hint: "did you mean ${orderId}?"),
        BadCase(name: "malformed reference", replace: #"id: "${orderId}""#, with: #"id: "${order id}""#, at: #""${order id}""#,
                message: "is not a valid reference", hint: nil),
        BadCase(name: "two actions", replace: "    as: buyer", with: "    sleep: 1s", at: "sleep: 1s",
                message: "a step has one action", hint: "split it"),
        BadCase(name: "request line", replace: "POST api /orders", with: "post api /orders", at: "post api",
                message: "is not a request line", hint: "METHOD SERVICE /path"),
        BadCase(name: "YAML syntax", replace: "  seller: { count: 2 }", with: "  seller: { count: 2", at: "channels:",
                checkColumn: false, message: "invalid YAML", hint: nil),
        // A step that acts as: an actor may use ${actor.…}; one that acts as nobody may not.
        BadCase(name: "actor field outside an actor", replace: "    as: buyer\n    json: { qty: 2 }",
                with: #"    json: { qty: 2, by: "${actor.id}" }"#, at: "http: POST api /orders",
                message: "only known where an actor is acting", hint: "${buyer.id}"),
        BadCase(name: "unknown worker field", replace: #"id: "${orderId}""#, with: #"id: "${worker.id}""#, at: "channel: inbox",
                message: "unknown worker field in ${worker.id}", hint: "${worker.index}"),
        BadCase(name: "round with a field", replace: #"id: "${orderId}""#, with: #"id: "${round.n}""#, at: "channel: inbox",
                message: "${round} has no fields", hint: "write ${round}"),
        BadCase(name: "bad threshold", replace: "steps:", with: "thresholds: [\"http.p95<300\"]\nsteps:", at: "\"http.p95<300\"",
                message: "'300' in 'http.p95<300' is not a duration", hint: "wrong_recipients==0"),
        BadCase(name: "bad level", replace: "steps:", with: "load: { concurrency: [1, 0] }\nsteps:", at: "0] }",
                message: "a level of concurrency is a number of workers, 1 or more", hint: "concurrency: [1, 2, 4, 8]"),
        BadCase(name: "bad rate", replace: "steps:", with: "load: { rate: 5/900 }\nsteps:", at: "5/900",
                message: "'900' in '5/900' is not a period", hint: "rate: 100/900s"),
        BadCase(name: "rate with levels of workers", replace: "steps:", with: "load: { rate: 5/s, concurrency: [1, 2] }\nsteps:",
                at: "[1, 2]", message: "with rate:, concurrency is one number", hint: "concurrency: 20"),
        BadCase(name: "rounds and duration", replace: "steps:", with: "load: { concurrency: 2, rounds: 2, duration: 5s }\nsteps:",
                at: "5s }", message: "a level lasts rounds or a duration, not both", hint: "keep one of"),
        BadCase(name: "bad latency percentile", replace: "within: 2s", with: "within: 2s\n        latency: { p100: 1s }",
                at: "p100", message: "'p100' is not a percentile", hint: "p50 … p99.9, or max"),
        BadCase(name: "latency without unit", replace: "within: 2s", with: "within: 2s\n        latency: { p95: 200 }",
                at: "200 }", message: "a latency is a time with its unit", hint: "p95: 200ms"),
        BadCase(name: "ambiguous instance", replace: #"id: "${orderId}""#, with: #"id: "${seller.id}""#, at: "channel: inbox",
                message: "'seller' has 2 instances", hint: "${seller[0].id}"),
        BadCase(name: "no steps", replace: "steps:", with: "stops:", at: "stops:",
                message: "unknown key 'stops'", hint: "did you mean 'steps'?"),
        BadCase(name: "unknown operator", replace: "{ $exists: true }", with: "{ $exsits: true }", at: "$exsits",
                message: "unknown operator '$exsits'", hint: "did you mean '$exists'?"),
        BadCase(name: "operator mixed with a field", replace: "{ $exists: true }", with: "{ $exists: true, n: 1 }", at: "n: 1",
                message: "'n' is a field", hint: "{ price: { $gt: 10 } }"),
    ]

    /// The 1-based line and column of the first occurrence of `needle` in `text`.
    static func position(of needle: String, in text: String) -> (line: Int, column: Int)? {
        guard let r = text.range(of: needle) else { return nil }
        let before = text[..<r.lowerBound]
        let line = before.filter { $0 == "\n" }.count + 1
        let column = before.distance(from: before.lastIndex(of: "\n").map { before.index(after: $0) } ?? before.startIndex,
                                     to: before.endIndex) + 1
        return (line, column)
    }

    @Test(arguments: badCases)
    func reportsBadInputWithLocationAndHint(_ bad: BadCase) throws {
        #expect(minimal.contains(bad.replace), "test case does not apply")
        let broken = minimal.replacingOccurrences(of: bad.replace, with: bad.with)
        let expected = try #require(Self.position(of: bad.at, in: broken), "'\(bad.at)' is not in the broken text")
        let d = try #require(diagnostics(broken).first, "no diagnostic for \(bad.name)")
        #expect(d.message.contains(bad.message), "\(d)")
        #expect(d.location.file == "c.yaml")
        #expect(d.location.line == expected.line, "\(d)")
        if bad.checkColumn { #expect(d.location.column == expected.column, "\(d)") }
        if let hint = bad.hint { #expect(d.hint?.contains(hint) == true, "\(d)") }
    }

    @Test func environmentVariablesNeedAValueOrADefault() {
        let text = minimal.replacingOccurrences(of: #""http://127.0.0.1:1""#, with: #""${env.API_URL}""#)
        let d = diagnostics(text)
        #expect(d.first?.message == "environment variable API_URL is not set")
        #expect(d.first?.hint?.contains("${env.API_URL:-value}") == true)
        let withDefault = minimal.replacingOccurrences(of: #""http://127.0.0.1:1""#, with: #""${env.API_URL:-http://x}""#)
        #expect(diagnostics(withDefault).isEmpty)
    }

    @Test func cliVariablesSatisfyReferences() {
        let text = minimal.replacingOccurrences(of: "{ qty: 2 }", with: #"{ qty: "${qty}" }"#)
        #expect(diagnostics(text).first?.message.contains("unknown variable 'qty'") == true)
        #expect(diagnostics(text, vars: ["qty": "3"]).isEmpty)
    }
}

@Suite struct TemplateTests {
    struct Scope: VariableScope {
        var values: [String: JSONValue]
        func value(for r: VariableReference) -> JSONValue? { values[r.description.components(separatedBy: ":-")[0]] }
    }

    @Test func wholeReferencesKeepTheirType() throws {
        let scope = Scope(values: ["n": 3, "s": "x"])
        #expect(try Template("${n}").render(in: scope) == .number(3))
        #expect(try Template("n=${n}/${s}").render(in: scope) == .string("n=3/x"))
    }

    @Test func fallbacksAndEscapes() throws {
        let scope = Scope(values: [:])
        #expect(try Template("${env.X:-http://a:1}").renderString(in: scope) == "http://a:1")
        #expect(try Template("$${literal}").renderString(in: scope) == "${literal}")
        #expect(throws: TemplateError.self) { try Template("${missing}").renderString(in: scope) }
    }

    @Test("|base64 and |base64url encode a value's text, after a fallback too, and chain; an unknown filter is no reference")
    func filters() throws {
        struct Roots: VariableScope {
            var values: [String: JSONValue]
            func value(for r: VariableReference) -> JSONValue? { values[r.root] }
        }
        let scope = Roots(values: ["login": "user:pass", "odd": "??>", "n": 7])
        #expect(try Template("Basic ${login|base64}").renderString(in: scope) == "Basic dXNlcjpwYXNz")
        #expect(try Template("${odd|base64}").renderString(in: scope) == "Pz8+")
        #expect(try Template("${odd|base64url}").renderString(in: scope) == "Pz8-")
        #expect(try Template("${n|base64}").render(in: scope) == .string("Nw=="), "a number is encoded as its text")
        #expect(try Template("${missing:-a b|base64}").renderString(in: scope) == "YSBi")
        #expect(try Template("${login|base64|base64url}").renderString(in: scope) == "ZFhObGNqcHdZWE56")
        #expect(VariableReference(parsing: "login:-x|base64")?.description == "login:-x|base64")
        #expect(VariableReference(parsing: "login|rot13") == nil)
    }

    @Test("a JSON value's templates render in each scope anew: what is kept between renders is their parse, not a value")
    func renderingTwice() throws {
        let body: JSONValue = ["id": "${n}", "name": "user-${s}", "tags": ["${s}", "fixed"]]
        #expect(try body.rendered(in: Scope(values: ["n": 1, "s": "a"])) == ["id": 1, "name": "user-a", "tags": ["a", "fixed"]])
        #expect(try body.rendered(in: Scope(values: ["n": 2, "s": "b"])) == ["id": 2, "name": "user-b", "tags": ["b", "fixed"]])
        #expect(throws: (any Error).self) { try body.rendered(in: Scope(values: [:])) }
        #expect(throws: (any Error).self) { try JSONValue.string("${a b}").rendered(in: Scope(values: [:])) }
    }

    @Test func parsesInstanceReferences() throws {
        let r = try #require(VariableReference(parsing: "seller[1].id"))
        #expect(r.root == "seller" && r.index == 1 && r.fields == ["id"])
        #expect(VariableReference(parsing: "a b") == nil)
        #expect(VariableReference(parsing: "x[-1]") == nil)
    }
}

@Suite struct JSONPathTests {
    let doc: JSONValue = ["items": [["type": "a", "n": 1], ["type": "b", "n": 2]], "odd key": true, "deep": ["x": ["type": "c"]]]

    @Test func selectsFieldsIndexesAndWildcards() throws {
        #expect(try JSONPath("$.items[1].type").evaluate(in: doc) == "b")
        #expect(try JSONPath("$.items[-1].n").evaluate(in: doc) == 2)
        #expect(try JSONPath("$.items[*].type").evaluate(in: doc) == ["a", "b"])
        #expect(try JSONPath("$['odd key']").evaluate(in: doc) == true)
        #expect(try JSONPath("$..type").evaluate(in: doc) == ["c", "a", "b"])
        #expect(try JSONPath("$.items.length()").evaluate(in: doc) == 2)
        #expect(try JSONPath("$.nothing").evaluate(in: doc) == nil)
    }

    @Test("a single-valued path walks to the same value select finds, or to nothing")
    func singleValuedWalkAgreesWithSelect() throws {
        let paths = ["$", "$.items", "$.items[0]", "$.items[2]", "$.items[-3]", "$.items[0].n", "$.items[1].type.length()",
                     "$.items.length()", "$['odd key']", "$['odd key'].x", "$.deep.x.type", "$.deep[0]", "$.items.type",
                     "$.deep.length()", "$.odd.length()", "$.items[0].n.length()"]
        for text in paths {
            let path = try JSONPath(text)
            #expect(!path.isMulti)
            #expect(path.evaluate(in: doc) == path.select(in: doc).first, "\(text)")
        }
    }

    @Test func rejectsMalformedPaths() {
        for bad in ["items", "$.a[", "$.a[x]", "$..", "$.a b"] {
            #expect(throws: JSONPath.SyntaxError.self, "\(bad)") { try JSONPath(bad) }
        }
    }
}

@Suite struct DurationTextTests {
    @Test func readsTheUsualUnits() {
        #expect(DurationText.parse("2s") == .seconds(2))
        #expect(DurationText.parse("500ms") == .milliseconds(500))
        #expect(DurationText.parse("1.5s") == .milliseconds(1500))
        #expect(DurationText.parse("2m") == .seconds(120))
        #expect(DurationText.parse("3") == nil, "a unit is required")
        #expect(DurationText.parse("soon") == nil)
        #expect(DurationText.parse("-1s") == nil)
    }
}

/// Files too large or too deep to read as contracts.
@Suite("hostile files") struct HostileFileTests {
    @Test("a file over the size limit is refused before it is read, at line 1")
    func oversize() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("huge-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var text = "contract: huge\ndescription: \""
        text += String(repeating: "x", count: 5 << 20) + "\"\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: ContractErrors.self) { try ContractLoader.load(file: path) }
        do { _ = try ContractLoader.load(file: path) } catch {
            let d = try #require(error.diagnostics.first)
            #expect(d.message.contains("a contract file is at most 4 MiB") && d.location.line == 1, "\(d)")
        }
    }

    @Test("aliases are fine until their expansion passes the bound; the bound names the value that passes it")
    func aliases() throws {
        let fine = try ContractLoader.parse("""
            contract: shared values
            services:
              api: { url: "http://127.0.0.1:1" }
            steps:
              - http: POST api /a
                json: &body { a: 1, b: [2, 3] }
              - http: POST api /b
                json: *body
            """, file: "a.yaml")
        #expect(fine.name == "shared values")
        var text = "contract: wide\nvars:\n  a0: &a0 [" + Array(repeating: "x", count: 400).joined(separator: ",") + "]\n"
        text += "  a1: &a1 [" + Array(repeating: "*a0", count: 400).joined(separator: ",") + "]\n"
        #expect(throws: ContractErrors.self) { try ContractLoader.parse(text, file: "w.yaml") }
        do { _ = try ContractLoader.parse(text, file: "w.yaml") } catch {
            let d = try #require(error.diagnostics.first)
            #expect(d.location.line == 4 && d.message.contains("expands, through YAML aliases, to more than 100000 values"), "\(d)")
        }
    }

    @Test("a long contract without aliases is not bounded by the alias budget, however many values it writes out")
    func longContract() throws {
        let steps = (0..<8_000).map { k in
            "  - { name: step \(k), http: POST api /echo, json: { id: \(k), tags: [a, b] }, expect: { status: 200 } }"
        }
        let text = "contract: long\nservices:\n  api: { url: \"http://127.0.0.1:1\" }\nsteps:\n" + steps.joined(separator: "\n") + "\n"
        let contract = try ContractLoader.parse(text, file: "long.yaml")
        #expect(contract.steps.count == 8_000)
    }
}

/// `from: step N` and an earlier step's name; a payload field called `channel` in a sequence item.
@Suite("loader: an order across calls")
struct AcrossStepsLoaderTests {
    static func yaml(_ from: String, on step: Int = 2) -> String {
        let events = """
                events:
                  - channel: inbox
                    from: \(from)
                    sequence: [ { type: a, channel: general }, { match: { channel: x } }, { channel: inbox, match: { type: c } } ]
            """
        return """
            contract: across
            services:
              api: { url: "http://127.0.0.1:1" }
            channels:
              inbox: { websocket: "api /ws" }
            steps:
              - name: first
                http: POST api /a
            \(step == 1 ? events : "")
              - http: POST api /b
            \(step == 2 ? events : "")
            """
    }

    @Test("from: step 1 and from: its name point at the first step; the item fields are read as written")
    func reads() throws {
        for from in ["step 1", "first"] {
            let c = try ContractLoader.parse(Self.yaml(from), file: "c.yaml")
            let e = c.steps[1].events[0]
            guard case .step(let ref) = e.from else { Issue.record("from: \(e.from)"); continue }
            #expect(c.stepIndex(ref) == 0)
            guard case .sequence(let items, _) = e.kind else { Issue.record("not a sequence"); continue }
            // A payload field `channel` beside others is matched; `match:` holds one alone; `channel:` + `match:` is Herald's.
            #expect(items.map(\.channel) == [nil, nil, "inbox"])
            #expect(items[0].matcher.summary.contains("channel: general"), "\(items[0].matcher.summary)")
        }
    }

    @Test("a later, the same or an unknown step is exit 2 with where and a hint", arguments: [
        ("step 2", 2, "must be a step before this one"), ("step 3", 2, "names no step"), ("second", 2, "names no step"),
        ("step 2", 1, "must be a step before this one"),
    ])
    func refuses(_ from: String, _ on: Int, _ message: String) throws {
        #expect {
            _ = try Planner.plan(try ContractLoader.parse(Self.yaml(from, on: on), file: "c.yaml"), options: RunOptions(environment: [:]))
        } throws: { error in
            "\(error)".contains(message) && "\(error)".contains("c.yaml:")
        }
    }
}
