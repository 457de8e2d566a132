import HeraldContract
import HeraldCore

/// Judges the result of an SQL step, `{rows: […], count: N}`, against its `expect:`. A pure function, like
/// ``ResponseJudge``: the runner runs the query.
public enum SQLJudge {
    /// The `query` verdict for `result` (the `{rows, count}` body, at timeline position `seq`): passed when
    /// `expect` (rendered) holds, or when there is nothing to expect; failed with the differences and the rows seen.
    public static func judge(_ expect: Matcher?, result: JSONValue, seq: Int?, summary: String, contract: String, step: String,
                             idPrefix: String, location: SourceLocation?) -> Verdict {
        let count = result["count"]?.plainText ?? "0"
        let diffs = expect?.differences(result) ?? []
        let message = diffs.isEmpty ? "\(summary): \(count) row\(count == "1" ? "" : "s")"
            + (expect.map { " match \($0.summary)" } ?? "")
            : "\(summary): " + diffs.prefix(3).map(\.description).joined(separator: "; ")
        return Verdict(id: "\(idPrefix) › query", contract: contract, step: step, kind: .query,
                       outcome: diffs.isEmpty ? .passed : .failed, reason: diffs.isEmpty ? nil : .mismatch,
                       message: message, location: location,
                       evidence: diffs.isEmpty ? [] : [Evidence(role: .observed, seq: seq, text: rowsText(result), differences: diffs)])
    }

    /// The failed verdict of a query the database refused, naming its message.
    public static func refused(_ message: String, summary: String, contract: String, step: String, idPrefix: String,
                               location: SourceLocation?) -> Verdict {
        Verdict(id: "\(idPrefix) › query", contract: contract, step: step, kind: .query, outcome: .failed, reason: .queryFailed,
                message: "\(summary): the database refused the query: \(message)", location: location,
                evidence: [Evidence(role: .observed, text: message)])
    }

    /// The rows seen, one per line, for evidence: `count 2:` then each row's JSON.
    public static func rowsText(_ result: JSONValue) -> String {
        let rows = result["rows"]?.arrayValue ?? []
        return (["\(rows.count) row\(rows.count == 1 ? "" : "s")\(rows.isEmpty ? "" : ":")"] + rows.map { $0.encoded() })
            .joined(separator: "\n")
    }
}
