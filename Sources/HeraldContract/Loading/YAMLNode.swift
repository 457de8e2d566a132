import HeraldCore
import Yams

/// A YAML node with its file, so that every read can fail with `file:line:col`, a message and a hint.
struct YAMLNode {
    let node: Node
    let file: String
    /// The end of the file's text, which no location passes.
    let end: TextEnd

    var location: SourceLocation {
        let mark = node.mark
        return end.location(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    func error(_ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(message, at: location, hint: hint)
    }

    var isMapping: Bool { node.mapping != nil }
    var isSequence: Bool { node.sequence != nil }
    var isScalar: Bool { node.scalar != nil }

    var kindName: String {
        if isMapping { return "a mapping" }
        if isSequence { return "a list" }
        return "\"\(node.scalar?.string ?? "")\""
    }

    /// The pairs of a mapping, in file order.
    func pairs(_ what: String) throws(Diagnostic) -> [(key: String, keyNode: YAMLNode, value: YAMLNode)] {
        guard let mapping = node.mapping else {
            throw error("\(what) must be a mapping, found \(kindName)")
        }
        var seen: Set<String> = []
        var out: [(key: String, keyNode: YAMLNode, value: YAMLNode)] = []
        for (k, v) in mapping {
            let keyNode = YAMLNode(node: k, file: file, end: end)
            guard let key = k.scalar?.string else { throw keyNode.error("keys in \(what) must be plain names") }
            if !seen.insert(key).inserted { throw keyNode.error("'\(key)' appears twice in \(what)") }
            out.append((key, keyNode, YAMLNode(node: v, file: file, end: end)))
        }
        return out
    }

    /// The pairs of a mapping, rejecting keys outside `allowed` with a "did you mean" hint.
    func fields(_ what: String, allowed: [String]) throws(Diagnostic) -> Fields {
        let p = try pairs(what)
        for pair in p where !allowed.contains(pair.key) {
            let suggestion = Suggest.closest(to: pair.key, in: allowed)
            let hint = suggestion.map { "did you mean '\($0)'?" } ?? "allowed here: \(allowed.joined(separator: ", "))"
            throw pair.keyNode.error("unknown key '\(pair.key)' in \(what)", hint: hint)
        }
        return Fields(node: self, what: what, pairs: p)
    }

    func items(_ what: String) throws(Diagnostic) -> [YAMLNode] {
        guard let seq = node.sequence else { throw error("\(what) must be a list, found \(kindName)", hint: "write it as [a, b] or one '- item' per line") }
        return seq.map { YAMLNode(node: $0, file: file, end: end) }
    }

    /// A list, or a single item read as a list of one.
    func itemsOrOne() -> [YAMLNode] {
        if let seq = node.sequence { return seq.map { YAMLNode(node: $0, file: file, end: end) } }
        return [self]
    }

    func string(_ what: String) throws(Diagnostic) -> String {
        guard let s = node.scalar?.string, !isNull else { throw error("\(what) must be text, found \(kindName)") }
        return s
    }

    var isNull: Bool {
        guard let scalar = node.scalar else { return false }
        return scalar.style == .plain && (scalar.string == "null" || scalar.string == "~" || scalar.string.isEmpty)
    }

    func int(_ what: String) throws(Diagnostic) -> Int {
        guard let s = node.scalar?.string, let n = Int(s) else { throw error("\(what) must be a whole number, found \(kindName)") }
        return n
    }

    func bool(_ what: String) throws(Diagnostic) -> Bool {
        guard let b = node.bool, node.scalar?.style == .plain else { throw error("\(what) must be true or false, found \(kindName)") }
        return b
    }

    func duration(_ what: String) throws(Diagnostic) -> Duration {
        guard let s = node.scalar?.string, let d = DurationText.parse(s) else {
            if let s = node.scalar?.string, Double(s) != nil {
                throw error("\(what) needs a unit, found the bare number \(s)", hint: "write \(s)ms or \(s)s")
            }
            throw error("\(what) must be a duration, found \(kindName)", hint: "write it like 2s, 500ms or 1.5s")
        }
        return d
    }

    func template(_ what: String) throws(Diagnostic) -> Template {
        let raw = try string(what)
        do {
            return try Template(raw, location: location)
        } catch {
            throw self.error(error.message)
        }
    }

    /// The node as a JSON value (plain scalars typed as YAML resolves them; quoted scalars stay strings).
    func json() throws(Diagnostic) -> JSONValue {
        if let mapping = node.mapping {
            var members: [String: JSONValue] = [:]
            for (k, v) in mapping {
                guard let key = k.scalar?.string else { throw YAMLNode(node: k, file: file, end: end).error("object keys must be text") }
                members[key] = try YAMLNode(node: v, file: file, end: end).json()
            }
            return .object(members)
        }
        if let seq = node.sequence { return .array(try seq.map { n throws(Diagnostic) in try YAMLNode(node: n, file: file, end: end).json() }) }
        guard let scalar = node.scalar else { throw error("aliases are not supported here") }
        // Template references must be valid even inside JSON bodies and matchers.
        if scalar.string.hasTemplateReference { _ = try template("a value") }
        if scalar.style != .plain { return .string(scalar.string) }
        if isNull { return .null }
        if let b = node.bool { return .bool(b) }
        // Yams reads a YAML 1.1 base-60 integer (1:30 is 90) in Int arithmetic that traps on overflow; as a Double
        // it cannot trap, and a number that fits is the same.
        if !scalar.string.contains(":"), let i = node.int { return .number(Double(i)) }
        if let f = node.float { return .number(f) }
        return .string(scalar.string)
    }
}

/// The checked fields of one mapping.
struct Fields {
    let node: YAMLNode
    let what: String
    let pairs: [(key: String, keyNode: YAMLNode, value: YAMLNode)]

    subscript(key: String) -> YAMLNode? { pairs.first { $0.key == key }?.value }

    func has(_ key: String) -> Bool { self[key] != nil }

    func required(_ key: String, hint: String? = nil) throws(Diagnostic) -> YAMLNode {
        guard let v = self[key] else { throw node.error("\(what) needs '\(key)'", hint: hint) }
        return v
    }

    func keyLocation(_ key: String) -> SourceLocation {
        pairs.first { $0.key == key }?.keyNode.location ?? node.location
    }
}

/// Suggestions for misspelt names.
enum Suggest {
    static func closest(to word: String, in candidates: [String]) -> String? {
        let scored = candidates.map { ($0, distance(word.lowercased(), $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= max(2, word.count / 3) else { return nil }
        return best.0
    }

    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&prev, &cur)
        }
        return prev[b.count]
    }
}
