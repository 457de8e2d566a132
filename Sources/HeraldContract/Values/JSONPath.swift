import HeraldCore

/// A JSONPath expression over JSON values: `$`, `.field`, `['field']`, `[n]`, `[-1]`, `[*]`, `..field`, and a trailing `.length()`.
///
/// A path with a wildcard or descent selects several values; ``select(in:)`` returns them all.
public struct JSONPath: Hashable, Sendable, CustomStringConvertible {
    /// One step of a path.
    public enum Component: Hashable, Sendable {
        /// An object member.
        case field(String)
        /// An array element; negative indexes count from the end.
        case index(Int)
        /// Every element or member.
        case wildcard
        /// A member found at any depth.
        case descendant(String)
        /// The number of elements, members or characters.
        case length
    }

    /// The path as written.
    public let text: String
    /// Its steps.
    public let components: [Component]

    /// Whether the path can select more than one value.
    public var isMulti: Bool {
        components.contains { if case .wildcard = $0 { true } else if case .descendant = $0 { true } else { false } }
    }

    /// The path as written.
    public var description: String { text }

    /// Why a path could not be parsed.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        /// The problem.
        public var description: String { message }
    }

    /// Parses `text`, which must start with `$`.
    public init(_ text: String) throws(SyntaxError) {
        self.text = text
        var comps: [Component] = []
        let chars = Array(text.unicodeScalars)
        guard chars.first == "$" else { throw SyntaxError(message: "a JSONPath starts with '$' (got \"\(text)\")") }
        var i = 1
        func readName() -> String {
            var name = ""
            while i < chars.count, chars[i] != ".", chars[i] != "[" {
                name.unicodeScalars.append(chars[i])
                i += 1
            }
            return name
        }
        while i < chars.count {
            let c = chars[i]
            if c == "." {
                i += 1
                if i < chars.count, chars[i] == "." {
                    i += 1
                    let name = readName()
                    guard !name.isEmpty else { throw SyntaxError(message: "'..' must be followed by a field name in \"\(text)\"") }
                    comps.append(.descendant(name))
                    continue
                }
                if i < chars.count, chars[i] == "*" { i += 1; comps.append(.wildcard); continue }
                let name = readName()
                guard !name.isEmpty else { throw SyntaxError(message: "empty field name in \"\(text)\"") }
                guard !name.contains(where: \.isWhitespace) else {
                    throw SyntaxError(message: "'\(name)' has a space in \"\(text)\"; write such names as $['\(name)']")
                }
                if name == "length()" { comps.append(.length) } else { comps.append(.field(name)) }
            } else if c == "[" {
                i += 1
                guard i < chars.count else { throw SyntaxError(message: "unclosed '[' in \"\(text)\"") }
                if chars[i] == "'" || chars[i] == "\"" {
                    let quote = chars[i]
                    i += 1
                    var name = ""
                    while i < chars.count, chars[i] != quote { name.unicodeScalars.append(chars[i]); i += 1 }
                    guard i + 1 < chars.count, chars[i + 1] == "]" else { throw SyntaxError(message: "unclosed quoted name in \"\(text)\"") }
                    i += 2
                    comps.append(.field(name))
                } else if chars[i] == "*" {
                    guard i + 1 < chars.count, chars[i + 1] == "]" else { throw SyntaxError(message: "expected ']' after '*' in \"\(text)\"") }
                    i += 2
                    comps.append(.wildcard)
                } else {
                    var digits = ""
                    while i < chars.count, chars[i] != "]" { digits.unicodeScalars.append(chars[i]); i += 1 }
                    guard i < chars.count, let n = Int(digits) else {
                        throw SyntaxError(message: "expected an index, '*' or a quoted name inside [] in \"\(text)\"")
                    }
                    i += 1
                    comps.append(.index(n))
                }
            } else {
                throw SyntaxError(message: "unexpected '\(c)' in \"\(text)\"; write $.field or $['field']")
            }
        }
        self.components = comps
    }

    /// A path of plain field names (for object keys in matchers).
    public init(fields: [String]) {
        self.components = fields.map { .field($0) }
        self.text = "$" + fields.map { name in
            name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ? ".\(name)" : "['\(name)']"
        }.joined()
    }

    /// The values the path selects in `root`. A single-valued path gives at most one.
    public func select(in root: JSONValue) -> [JSONValue] {
        var current = [root]
        for comp in components {
            var next: [JSONValue] = []
            for value in current {
                switch comp {
                case .field(let name):
                    if let v = value[name] { next.append(v) }
                case .index(let n):
                    if let a = value.arrayValue {
                        let idx = n < 0 ? a.count + n : n
                        if idx >= 0, idx < a.count { next.append(a[idx]) }
                    }
                case .wildcard:
                    if let a = value.arrayValue { next.append(contentsOf: a) }
                    else if let o = value.objectValue { next.append(contentsOf: o.keys.sorted().map { o[$0]! }) }
                case .descendant(let name):
                    JSONPath.collect(name, in: value, into: &next)
                case .length:
                    switch value {
                    case .array(let a): next.append(.number(Double(a.count)))
                    case .object(let o): next.append(.number(Double(o.count)))
                    case .string(let s): next.append(.number(Double(s.count)))
                    default: break
                    }
                }
            }
            current = next
        }
        return current
    }

    /// The value at the path: the single value, or for a multi-valued path an array of every selected value.
    public func evaluate(in root: JSONValue) -> JSONValue? {
        if isMulti { return .array(select(in: root)) }
        // One value at most: walk it down without building the arrays of `select` (the judge does this for every
        // member of every matcher against every frame).
        var value = root
        for comp in components {
            switch comp {
            case .field(let name):
                guard case .object(let o) = value, let v = o[name] else { return nil }
                value = v
            case .index(let n):
                guard case .array(let a) = value else { return nil }
                let idx = n < 0 ? a.count + n : n
                guard idx >= 0, idx < a.count else { return nil }
                value = a[idx]
            case .length:
                switch value {
                case .array(let a): value = .number(Double(a.count))
                case .object(let o): value = .number(Double(o.count))
                case .string(let s): value = .number(Double(s.count))
                default: return nil
                }
            case .wildcard, .descendant:
                return select(in: root).first
            }
        }
        return value
    }

    private static func collect(_ name: String, in value: JSONValue, into out: inout [JSONValue]) {
        switch value {
        case .object(let o):
            if let v = o[name] { out.append(v) }
            for key in o.keys.sorted() { collect(name, in: o[key]!, into: &out) }
        case .array(let a):
            for v in a { collect(name, in: v, into: &out) }
        default: break
        }
    }
}
