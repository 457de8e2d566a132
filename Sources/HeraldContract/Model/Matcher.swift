import HeraldCore

/// What a value must look like. Written in contracts as YAML; matching is partial by default:
/// the listed fields must match, other fields are ignored.
///
/// Operators are objects whose keys are all operator names:
/// `{ exists: true }`, `{ regex: "^o-" }`, `{ one_of: [a, b] }`, `{ gt: 3, lte: 10 }`, `{ ne: x }`,
/// `{ contains: x }`, `{ type: string }`, `{ equals: {…} }` (an exact, whole-value comparison).
public indirect enum Matcher: Hashable, Sendable {
    /// Equal to this value (strings may hold `${…}` references until rendered).
    case equals(JSONValue)
    /// An object with at least these members, each matched by its own matcher.
    case object([Member])
    /// A list of exactly these elements, in order.
    case array([Matcher])
    /// The value is present (or absent, for `false`).
    case exists(Bool)
    /// The value, as text, matches a regular expression.
    case regex(String)
    /// Equal to one of these values.
    case oneOf([JSONValue])
    /// A number comparison.
    case compare(Comparison, Double)
    /// Not equal to this value.
    case notEqual(JSONValue)
    /// A string containing this text, or an array containing an element that matches.
    case contains(Matcher)
    /// The JSON type is this (`string`, `number`, `boolean`, `object`, `array`, `null`).
    case type(String)
    /// Every one of these.
    case all([Matcher])

    /// A number comparison operator.
    public enum Comparison: String, Hashable, Sendable {
        /// `>`
        case gt
        /// `≥`
        case gte
        /// `<`
        case lt
        /// `≤`
        case lte
    }

    /// One member of an object matcher: a field name (or a JSONPath, when it starts with `$`) and its matcher.
    public struct Member: Hashable, Sendable {
        /// The key as written.
        public var key: String
        /// The path it selects.
        public var path: JSONPath
        /// What the selected value must look like.
        public var matcher: Matcher
        /// Creates a member.
        public init(key: String, path: JSONPath, matcher: Matcher) {
            self.key = key
            self.path = path
            self.matcher = matcher
        }
    }

    /// The operator names recognised inside matcher objects.
    ///
    /// Operators start with `$` so that they can never be mistaken for a payload field (events often have a `type`).
    public static let operatorNames: Set<String> = ["$exists", "$regex", "$one_of", "$gt", "$gte", "$lt", "$lte", "$ne",
                                                     "$contains", "$type", "$equals"]

    /// Whether a mapping key is written as an operator (`$` and a letter), known or not; `$.a` and `$[0]` are paths.
    public static func looksLikeOperator(_ key: String) -> Bool {
        guard key.count > 1, key.hasPrefix("$") else { return false }
        let second = key[key.index(after: key.startIndex)]
        return second.isLetter || second == "_"
    }

    /// Replaces `${…}` references in every string by their values.
    public func rendered(in scope: any VariableScope) throws -> Matcher {
        // Most matchers hold no reference: they are returned as they are, not rebuilt.
        guard hasTemplateReference else { return self }
        switch self {
        case .equals(let v): return .equals(try v.rendered(in: scope))
        case .object(let members):
            return .object(try members.map { Member(key: $0.key, path: $0.path, matcher: try $0.matcher.rendered(in: scope)) })
        case .array(let items): return .array(try items.map { try $0.rendered(in: scope) })
        case .exists, .compare, .type: return self
        case .regex(let r): return .regex(try JSONValue.string(r).rendered(in: scope).plainText)
        case .oneOf(let vs): return .oneOf(try vs.map { try $0.rendered(in: scope) })
        case .notEqual(let v): return .notEqual(try v.rendered(in: scope))
        case .contains(let m): return .contains(try m.rendered(in: scope))
        case .all(let ms): return .all(try ms.map { try $0.rendered(in: scope) })
        }
    }

    /// Whether some string of the matcher holds a `${…}` reference (``templateReferences`` without gathering them).
    public var hasTemplateReference: Bool {
        switch self {
        case .equals(let v), .notEqual(let v): return v.hasTemplateReference
        case .object(let members): return members.contains { $0.matcher.hasTemplateReference }
        case .array(let items), .all(let items): return items.contains { $0.hasTemplateReference }
        case .exists, .compare, .type: return false
        case .regex(let r): return r.hasTemplateReference
        case .oneOf(let vs): return vs.contains { $0.hasTemplateReference }
        case .contains(let m): return m.hasTemplateReference
        }
    }

    /// Every `${…}` reference the matcher holds.
    public var templateReferences: [VariableReference] {
        switch self {
        case .equals(let v), .notEqual(let v): return v.templateReferences
        case .object(let members): return members.flatMap(\.matcher.templateReferences)
        case .array(let items), .all(let items): return items.flatMap(\.templateReferences)
        case .exists, .compare, .type: return []
        case .regex(let r): return JSONValue.string(r).templateReferences
        case .oneOf(let vs): return vs.flatMap(\.templateReferences)
        case .contains(let m): return m.templateReferences
        }
    }

    /// The matcher as a person would write it, for messages.
    public var summary: String {
        switch self {
        case .equals(let v): return v.plainText
        case .object(let members): return "{" + members.map { "\($0.key): \($0.matcher.summary)" }.joined(separator: ", ") + "}"
        case .array(let items): return "[" + items.map(\.summary).joined(separator: ", ") + "]"
        case .exists(let b): return b ? "present" : "absent"
        case .regex(let r): return "/\(r)/"
        case .oneOf(let vs): return "one of " + vs.map(\.plainText).joined(separator: ", ")
        case .compare(let op, let n):
            let sym = switch op { case .gt: ">"; case .gte: "≥"; case .lt: "<"; case .lte: "≤" }
            return "\(sym) \(JSONValue.format(number: n))"
        case .notEqual(let v): return "not \(v.plainText)"
        case .contains(let m): return "containing \(m.summary)"
        case .type(let t): return "a \(t)"
        case .all(let ms): return ms.map(\.summary).joined(separator: " and ")
        }
    }
}
