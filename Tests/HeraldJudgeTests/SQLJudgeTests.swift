import HeraldContract
import HeraldCore
import HeraldJudge
import Testing

@Suite("sql judge")
struct SQLJudgeTests {
    let here = SourceLocation(file: "c.yaml", line: 9, column: 5)
    let result: JSONValue = ["rows": [["status": "pending", "amount": 120, "note": .null]], "count": 1]

    func expect(rows: Matcher? = nil, count: Int? = nil) -> Matcher {
        .object([rows.map { Matcher.Member(key: "rows", path: JSONPath(fields: ["rows"]), matcher: $0) },
                 count.map { Matcher.Member(key: "count", path: JSONPath(fields: ["count"]), matcher: .equals(.number(Double($0)))) }]
            .compactMap { $0 })
    }

    func row(_ fields: [(String, JSONValue)]) -> Matcher {
        .object(fields.map { Matcher.Member(key: $0.0, path: JSONPath(fields: [$0.0]), matcher: .equals($0.1)) })
    }

    func judge(_ m: Matcher?, _ r: JSONValue? = nil) -> Verdict {
        SQLJudge.judge(m, result: r ?? result, seq: 4, summary: "sql db", contract: "c", step: "step 1", idPrefix: "c › step 1",
                       location: here)
    }

    @Test("matching rows and count pass, with the count in the message")
    func passes() {
        let v = judge(expect(rows: .array([row([("status", "pending"), ("amount", 120)])]), count: 1))
        #expect(v.outcome == .passed && v.kind == .query && v.id == "c › step 1 › query" && v.location == here, "\(v)")
        #expect(v.message.hasPrefix("sql db: 1 row match"))
        #expect(judge(nil).outcome == .passed, "nothing expected: the query ran")
        #expect(judge(expect(rows: .array([row([("note", .null)])]))).outcome == .passed, "NULL is null")
    }

    @Test("a missing row, a wrong value, a wrong count fail with the rows seen as evidence")
    func fails() {
        let wrongValue = judge(expect(rows: .array([row([("status", "paid")])])))
        #expect(wrongValue.outcome == .failed && wrongValue.reason == .mismatch)
        #expect(wrongValue.message.contains("status") && wrongValue.message.contains("paid"), "\(wrongValue.message)")
        let evidence = wrongValue.evidence.first
        #expect(evidence?.seq == 4 && evidence?.text?.contains("1 row:") == true && evidence?.text?.contains("\"pending\"") == true,
                "\(String(describing: evidence))")
        let missing = judge(expect(rows: .array([row([("status", "pending")])]), count: 1), ["rows": [], "count": 0])
        #expect(missing.outcome == .failed && missing.evidence.first?.text == "0 rows", "\(missing)")
        let count = judge(expect(count: 2))
        #expect(count.outcome == .failed && count.message.contains("count"), "\(count.message)")
        let extra = judge(expect(rows: .array([row([("status", "pending")])])),
                          ["rows": [["status": "pending"], ["status": "pending"]], "count": 2])
        #expect(extra.outcome == .failed, "rows: [...] lists every row")
    }

    @Test("a refused query fails naming the server's message")
    func refused() {
        let v = SQLJudge.refused("ERROR:  column \"nope\" does not exist", summary: "sql db", contract: "c", step: "s",
                                 idPrefix: "c › s", location: here)
        #expect(v.outcome == .failed && v.reason == .queryFailed && v.kind == .query)
        #expect(v.message.contains("column \"nope\" does not exist"))
    }
}
