import HeraldContract
import HeraldCore
import HeraldPlan
import Testing

@Suite("contracts with sql services and steps")
struct SQLContractTests {
    static let text = #"""
        contract: orders are written
        services:
          db: "postgres://app:secret@127.0.0.1:5432/app"
          file: { url: "sqlite:///var/lib/app/app.db" }
        steps:
          - sql: db
            query: "SELECT status, amount FROM orders WHERE id = $1 AND region = $2"
            params: ["${orderId}", 7]
            timeout: 2s
            expect: { rows: [{status: pending, amount: 120}], count: 1 }
            capture: { status: "$.rows[0].status" }
          - sql: file
            query: "SELECT state FROM jobs WHERE id = ?"
            params: [3]
            until: { "$.rows[0].state": DONE }
            every: 50ms
            within: 3s
            seen: [QUEUED, DONE]
            expect: { rows: { $contains: { state: DONE } }, count: { $gte: 1 } }
        vars: { orderId: o-1 }
        """#

    @Test("sql: query, params, timeout, expect on rows and count, captures, and the poll form")
    func loads() throws {
        let c = try ContractLoader.parse(Self.text, file: "c.yaml")
        guard case .sql(let q) = c.steps[0].action else { Issue.record("not an sql step: \(c.steps[0].action)"); return }
        #expect(q.service == "db" && q.query == "SELECT status, amount FROM orders WHERE id = $1 AND region = $2")
        #expect(q.parameters == [.string("${orderId}"), .number(7)] && q.timeout == .seconds(2) && q.poll == nil)
        let expect = try #require(c.steps[0].response.body)
        #expect(expect.summary == "{rows: [{status: pending, amount: 120}], count: 1}", "\(expect.summary)")
        guard case .object(let members) = expect, case .array = members[0].matcher else {
            Issue.record("rows: [...] is a list of row matchers: \(expect)")
            return
        }
        #expect(c.steps[0].captures.map(\.name) == ["status"])
        #expect(c.steps[0].label == "sql db: SELECT status, amount FROM orders WHERE id = $1 AND region = $2")

        guard case .sql(let p) = c.steps[1].action, let poll = p.poll else { Issue.record("not a polled sql step"); return }
        #expect(poll.every == .milliseconds(50) && poll.within == .seconds(3) && poll.seen == ["QUEUED", "DONE"])
        #expect(poll.record?.description == "$.rows[0].state" || poll.record == (try? JSONPath("$.rows[0].state")))
        #expect(poll.until.summary == "{$.rows[0].state: DONE}", "\(poll.until.summary)")
        let contains = try #require(c.steps[1].response.body)
        #expect(contains.summary == "{rows: containing {state: DONE}, count: ≥ 1}", "\(contains.summary)")
        _ = try Planner.plan([c], options: RunOptions(environment: [:], requireEnvironment: false))
    }

    @Test("a query holding a template, a misplaced key, a service that is no database: errors at the line")
    func errors() throws {
        func diagnostic(_ step: String, services: String = "db: \"sqlite:///tmp/a.db\"") -> String {
            let text = "contract: c\nservices:\n  \(services)\n  api: \"http://127.0.0.1:1\"\nsteps:\n\(step)"
            do {
                _ = try ContractLoader.parse(text, file: "c.yaml")
                return "loaded"
            } catch {
                return error.description
            }
        }
        let templated = diagnostic("  - sql: db\n    query: \"SELECT 1 WHERE id = ${id}\"\n")
        #expect(templated.hasPrefix("c.yaml:7:12: error: the query holds a ${…} template"), "\(templated)")
        #expect(templated.contains("params: [\"${orderId}\"]"))
        #expect(diagnostic("  - sql: db\n").contains("needs 'query'"))
        #expect(diagnostic("  - sql: db\n    query: SELECT 1\n    within: 2s\n").contains("'within' belongs to the poll form"))
        #expect(diagnostic("  - sql: db\n    query: SELECT 1\n    expect: { status: 200 }\n").contains("'status'"))
        #expect(diagnostic("  - sql: db\n    query: SELECT 1\n    headers: { a: b }\n").contains("'headers' does not belong to a sql step"))
        #expect(diagnostic("  - http: GET api /x\n    params: [1]\n").contains("'params' does not belong to a http step"))
        #expect(diagnostic("  - sql: api\n    query: SELECT 1\n").contains("service 'api' is not a database"))
        #expect(diagnostic("  - sql: nodb\n    query: SELECT 1\n").contains("unknown service 'nodb'"))
        #expect(diagnostic("  - sql: db\n    query: SELECT 1\n", services: "db: \"${env.DB_URL}\"") == "loaded",
                "a URL from the environment is checked when the step runs")
    }
}
