import HeraldContract
import HeraldCore

/// An HTTP response as the judge sees it.
public struct ObservedResponse: Sendable {
    /// Status code.
    public var status: Int
    /// Headers in order.
    public var headers: [RecordedHeader]
    /// The body: parsed JSON, or the text as a JSON string. A body received as bytes is parsed each time this is
    /// read (a step that checks only the status never parses it).
    public var body: JSONValue {
        get {
            switch payload {
            case .value(let v): return v
            case .received(let bytes, let text): return JSONParser.parseIfJSON(bytes) ?? .string(text)
            }
        }
        set { payload = .value(newValue) }
    }
    /// Timeline position of the response.
    public var seq: Int?
    private var payload: Payload

    /// How the body is held: as a value, or as the bytes received (with their text), parsed when read.
    private enum Payload: Sendable {
        case value(JSONValue)
        case received([UInt8], text: String)
    }

    /// Creates a response.
    public init(status: Int, headers: [RecordedHeader], body: JSONValue, seq: Int?) {
        self.status = status
        self.headers = headers
        self.payload = .value(body)
        self.seq = seq
    }

    /// Creates a response whose body is `bytes` (whose text is `text`): JSON when they parse as an object or an
    /// array, else the text as a JSON string, as ``body`` reads it.
    public init(status: Int, headers: [RecordedHeader], bytes: [UInt8], text: String, seq: Int?) {
        self.status = status
        self.headers = headers
        self.payload = .received(bytes, text: text)
        self.seq = seq
    }

    /// The first header named `name`, case-insensitively.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Judges the `expect:` block of a step against a response: status, headers and body, one verdict each.
public enum ResponseJudge {
    /// The verdicts for `expectations` (already rendered) on `response`.
    public static func judge(_ expectations: ResponseExpectations, response: ObservedResponse, contract: String,
                             step: String, idPrefix: String, location: SourceLocation?) -> [Verdict] {
        var verdicts: [Verdict] = []
        func add(_ kind: Verdict.Kind, _ ok: Bool, _ message: String, _ differences: [FieldDifference], at loc: SourceLocation?) {
            verdicts.append(Verdict(
                id: "\(idPrefix) › \(kind.rawValue)\(verdicts.isEmpty ? "" : " #\(verdicts.count + 1)")",
                contract: contract, step: step, kind: kind, outcome: ok ? .passed : .failed, reason: ok ? nil : .mismatch,
                message: message, location: loc ?? location,
                evidence: ok ? [] : [Evidence(role: .observed, seq: response.seq, text: response.body.plainText, differences: differences)]))
        }
        if let status = expectations.status {
            let code = response.status
            if status.matches(.number(Double(code))) {
                // The common pass: its message is written only if a report shows it.
                verdicts.append(Verdict(id: "\(idPrefix) › \(Verdict.Kind.status.rawValue)", contract: contract, step: step, kind: .status,
                                        outcome: .passed, deferredMessage: { "status \(code)" }, location: expectations.location ?? location))
            } else {
                add(.status, false, "expected status \(status.summary), got \(code)",
                    [FieldDifference(path: "status", expected: status.summary, actual: String(code))], at: expectations.location)
            }
        }
        for h in expectations.headers {
            let value = response.header(h.name)
            let ok = h.matcher.matches(value.map { .string($0) })
            add(.header, ok, ok ? "header \(h.name) is \(h.matcher.summary)" : "header \(h.name): expected \(h.matcher.summary), got \(value ?? "nothing")",
                ok ? [] : [FieldDifference(path: h.name, expected: h.matcher.summary, actual: value)], at: h.location)
        }
        if let body = expectations.body {
            let diffs = body.differences(response.body)
            add(.body, diffs.isEmpty, diffs.isEmpty ? "body matches" : "body: " + diffs.prefix(3).map(\.description).joined(separator: "; "),
                diffs, at: expectations.location)
        }
        return verdicts
    }

    /// A captured value from a response or frame body.
    public static func capture(_ capture: Capture, body: JSONValue, status: Int?, header: (String) -> String?) -> JSONValue? {
        switch capture.source {
        case .path(let p): return p.evaluate(in: body)
        case .header(let name): return header(name).map { .string($0) }
        case .status: return status.map { .number(Double($0)) }
        }
    }
}
