import HeraldCore

/// `sql: SERVICE` steps: a query with bound parameters, its expectations on `{rows, count}`, and its poll form.
extension ContractReader {
    /// `sql: db` with `query:`, `params:`, `timeout:`, and, for the poll form, `until:`, `every:`, `within:`,
    /// `record:`, `seen:`.
    func sqlAction(_ node: YAMLNode, _ f: Fields) throws(Diagnostic) -> SQLAction {
        let service = try node.string("sql")
        guard !service.isEmpty, !service.contains(" "), !service.contains("://") else {
            throw node.error("sql: names the database service only",
                             hint: "declare the database under services: (db: \"postgres://user:password@host:5432/app\") and write sql: db with query: \"SELECT …\"")
        }
        let queryNode = try f.required("query", hint: "add query: \"SELECT status FROM orders WHERE id = $1\" with params: [\"${orderId}\"]")
        guard queryNode.isScalar else {
            throw queryNode.error("an SQL query is text", hint: "query: \"SELECT status FROM orders WHERE id = $1\"")
        }
        let query = try queryNode.string("query")
        if query.contains("${") {
            throw queryNode.error("the query holds a ${…} template: values are bound as parameters, never written into the SQL",
                                  hint: "write $1, $2, … in the query and give the values in order: params: [\"${orderId}\"]")
        }
        if query.allSatisfy(\.isWhitespace) { throw queryNode.error("the query is empty") }
        let parameters = try f["params"].map { n throws(Diagnostic) in
            try n.items("params").map { x throws(Diagnostic) in try x.json() }
        } ?? []
        var action = SQLAction(service: service, query: query, parameters: parameters,
                               timeout: try f["timeout"]?.duration("timeout"))
        if let untilNode = f["until"] {
            action.poll = try polling(until: untilNode, f)
        } else {
            for key in ["every", "within", "record", "seen"] where f.has(key) {
                throw f[key]!.error("'\(key)' belongs to the poll form of an sql step", hint: "add until: { count: 1 } to wait for the rows")
            }
        }
        return action
    }

    /// `expect: { rows: […], count: N }` of an sql step, as a matcher on `{rows, count}`: `rows` is a list of row
    /// matchers, exactly that many, in order (each row matched partially, like a body), or any matcher such as
    /// `{ $contains: {…} }`; `count` is a number or a matcher.
    func sqlExpectations(_ node: YAMLNode) throws(Diagnostic) -> ResponseExpectations {
        let f = try node.fields("the expect of an sql step", allowed: ["rows", "count"])
        var members: [Matcher.Member] = []
        if let rows = f["rows"] {
            members.append(Matcher.Member(key: "rows", path: JSONPath(fields: ["rows"]), matcher: try matcher(rows)))
        }
        if let count = f["count"] {
            let m: Matcher = count.isScalar ? .equals(.number(Double(try count.int("count")))) : try matcher(count)
            members.append(Matcher.Member(key: "count", path: JSONPath(fields: ["count"]), matcher: m))
        }
        if members.isEmpty {
            throw node.error("say what the rows must be", hint: "expect: { rows: [{status: pending}], count: 1 }")
        }
        var r = ResponseExpectations()
        r.body = .object(members)
        r.location = node.location
        return r
    }
}
