import Foundation
import Synchronization
import HeraldCore

/// A reference inside `${…}`: `offerId`, `env.BASE_URL:-http://…`, `actor.token`, `seller[1].id`, `run.id`, `uuid`.
public struct VariableReference: Hashable, Sendable, CustomStringConvertible {
    /// The first name (`env`, `actor`, `seller`, `offerId`).
    public var root: String
    /// An actor instance index (`seller[1]`).
    public var index: Int?
    /// The fields after the root (`["id"]`).
    public var fields: [String]
    /// The text after `:-`, used when the reference has no value.
    public var fallback: String?
    /// Encodings applied to the value's text, in order (`${secret|base64}`).
    public var filters: [Filter] = []

    /// An encoding of a value's text (its UTF-8 bytes).
    public enum Filter: String, Sendable, Hashable, CaseIterable {
        /// Base64 (RFC 4648 §4), padded.
        case base64
        /// Base64url (RFC 4648 §5), without padding, as JWTs use it.
        case base64url

        /// `text` encoded.
        public func apply(_ text: String) -> String {
            let b64 = Data(text.utf8).base64EncodedString()
            switch self {
            case .base64: return b64
            case .base64url:
                var s = b64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                while s.hasSuffix("=") { s.removeLast() }
                return s
            }
        }
    }

    /// The reference as written, without `${}`.
    public var description: String {
        var s = root
        if let index { s += "[\(index)]" }
        for f in fields { s += ".\(f)" }
        if let fallback { s += ":-\(fallback)" }
        for f in filters { s += "|\(f.rawValue)" }
        return s
    }

    /// Parses the inside of `${…}`: `root[index].field:-fallback|filter`.
    public init?(parsing whole: String) {
        var text = whole
        // Filters come last: `${name|base64}`, `${name:-default|base64url}`.
        var filters: [Filter] = []
        while let bar = text.lastIndex(of: "|"), let filter = Filter(rawValue: String(text[text.index(after: bar)...])) {
            filters.insert(filter, at: 0)
            text = String(text[..<bar])
        }
        self.filters = filters
        var body = Substring(text)
        if let r = text.range(of: ":-") {
            fallback = String(text[r.upperBound...])
            body = text[..<r.lowerBound]
        } else {
            fallback = nil
        }
        let pieces = body.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard var first = pieces.first, !first.isEmpty else { return nil }
        index = nil
        if let open = first.firstIndex(of: "["), first.hasSuffix("]") {
            guard let n = Int(first[first.index(after: open)..<first.index(before: first.endIndex)]), n >= 0 else { return nil }
            index = n
            first = String(first[..<open])
        }
        let valid: (String) -> Bool = { s in !s.isEmpty && s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } }
        guard valid(first), pieces.dropFirst().allSatisfy(valid) else { return nil }
        root = first
        fields = Array(pieces.dropFirst())
    }
}

/// Looks up the value of a `${…}` reference while a run goes on.
public protocol VariableScope {
    /// The value, or `nil` when the reference has none.
    func value(for reference: VariableReference) -> JSONValue?
    /// The value as a template renders it: ``value(for:)`` unless the scope makes values that can fail with a reason
    /// of their own (a signed token whose key cannot be read).
    func resolve(_ reference: VariableReference) throws(TemplateError) -> JSONValue?
}

extension VariableScope {
    /// ``value(for:)``.
    public func resolve(_ reference: VariableReference) throws(TemplateError) -> JSONValue? { value(for: reference) }
}

/// Why a template could not be rendered.
public struct TemplateError: Error, Sendable, CustomStringConvertible {
    /// The reference that had no value.
    public var reference: String
    /// Where the template is written.
    public var location: SourceLocation?
    /// Why there is no value, when more is known than that there is none.
    public var reason: String? = nil
    /// "no value for ${x}", and the reason when known.
    public var description: String { "no value for ${\(reference)}" + (reason.map { ": \($0)" } ?? "") }

    /// Creates an error.
    public init(reference: String, location: SourceLocation? = nil, reason: String? = nil) {
        self.reference = reference
        self.location = location
        self.reason = reason
    }
}

/// A string with `${…}` references, parsed once at load time. `$${` writes a literal `${`.
public struct Template: Hashable, Sendable, CustomStringConvertible {
    /// A piece of a template.
    public enum Part: Hashable, Sendable {
        /// Text as written.
        case literal(String)
        /// A `${…}` reference.
        case reference(VariableReference)
    }

    /// The text as written.
    public var raw: String
    /// Its pieces.
    public var parts: [Part]
    /// Where it is written.
    public var location: SourceLocation?

    /// The text as written.
    public var description: String { raw }

    /// Every reference in the template.
    public var references: [VariableReference] {
        parts.compactMap { if case .reference(let r) = $0 { r } else { nil } }
    }

    /// Whether the template has no references.
    public var isConstant: Bool { references.isEmpty }

    /// Why a template is malformed, with the offending text.
    public struct SyntaxError: Error, Sendable {
        /// What is wrong.
        public var message: String
    }

    /// Parses `raw`.
    public init(_ raw: String, location: SourceLocation? = nil) throws(SyntaxError) {
        self.raw = raw
        self.location = location
        var parts: [Part] = []
        var literal = ""
        var rest = Substring(raw)
        while let r = rest.range(of: "${") {
            if r.lowerBound > rest.startIndex, rest[rest.index(before: r.lowerBound)] == "$" {
                literal += rest[..<rest.index(before: r.lowerBound)] + "${"
                rest = rest[r.upperBound...]
                continue
            }
            literal += rest[..<r.lowerBound]
            guard let close = rest[r.upperBound...].firstIndex(of: "}") else {
                throw SyntaxError(message: "unclosed '${' in \"\(raw)\"")
            }
            let inner = String(rest[r.upperBound..<close])
            guard let ref = VariableReference(parsing: inner) else {
                throw SyntaxError(message: "\"${\(inner)}\" is not a valid reference; write ${name}, ${actor.field}, ${seller[1].id} or ${env.NAME:-default}")
            }
            if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
            parts.append(.reference(ref))
            rest = rest[rest.index(after: close)...]
        }
        literal += rest
        if !literal.isEmpty { parts.append(.literal(literal)) }
        self.parts = parts
    }

    /// `raw` parsed, from a memo of the texts parsed before: the strings of JSON bodies and matchers are templates
    /// kept as text, rendered at every step of every flow, and their parse would otherwise be repeated each time.
    static func parsed(_ raw: String) throws(SyntaxError) -> Template {
        if let known = memo.withLock({ $0[raw] }) { return known }
        let template = try Template(raw)
        memo.withLock { memo in
            // A bound, not a cache policy: contracts hold far fewer distinct templates than this.
            if memo.count >= 4096 { memo.removeAll(keepingCapacity: true) }
            memo[raw] = template
        }
        return template
    }

    private static let memo = Mutex<[String: Template]>([:])

    /// A template that is plain text.
    public init(literal: String) {
        raw = literal
        parts = literal.isEmpty ? [] : [.literal(literal)]
        location = nil
    }

    /// Renders the template. A template that is exactly one reference keeps the value's JSON type.
    public func render(in scope: any VariableScope) throws(TemplateError) -> JSONValue {
        if parts.count == 1, case .reference(let ref) = parts[0] {
            return try Template.lookup(ref, in: scope, location: location)
        }
        return .string(try renderString(in: scope))
    }

    /// Renders the template as text.
    public func renderString(in scope: any VariableScope) throws(TemplateError) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .literal(let s): out += s
            case .reference(let ref): out += try Template.lookup(ref, in: scope, location: location).plainText
            }
        }
        return out
    }

    private static func lookup(_ ref: VariableReference, in scope: any VariableScope,
                               location: SourceLocation?) throws(TemplateError) -> JSONValue {
        guard let value = try scope.resolve(ref) ?? ref.fallback.map(JSONValue.string) else {
            throw TemplateError(reference: ref.description, location: location)
        }
        return ref.filters.isEmpty ? value : .string(ref.filters.reduce(value.plainText) { $1.apply($0) })
    }
}

extension JSONValue {
    /// Renders every string in the value as a template (for JSON bodies and matchers written in contracts).
    public func rendered(in scope: any VariableScope) throws -> JSONValue {
        switch self {
        case .string(let s) where s.hasTemplateReference:
            return try Template.parsed(s).render(in: scope)
        case .array(let items):
            return .array(try items.map { try $0.rendered(in: scope) })
        case .object(let members):
            return .object(try members.mapValues { try $0.rendered(in: scope) })
        default:
            return self
        }
    }

    /// Whether some string of the value holds a `${…}` reference.
    public var hasTemplateReference: Bool {
        switch self {
        case .string(let s): return s.hasTemplateReference
        case .array(let items): return items.contains { $0.hasTemplateReference }
        case .object(let members): return members.values.contains { $0.hasTemplateReference }
        default: return false
        }
    }

    /// Every `${…}` reference in the strings of the value.
    public var templateReferences: [VariableReference] {
        switch self {
        case .string(let s) where s.hasTemplateReference: return (try? Template.parsed(s).references) ?? []
        case .array(let items): return items.flatMap(\.templateReferences)
        case .object(let members): return members.values.flatMap(\.templateReferences)
        default: return []
        }
    }
}

extension String {
    /// Whether the text holds `${`, where a template reference starts: a scan of its bytes (Foundation's
    /// `contains(_:)` goes through `range(of:)`, a hundred times slower on short texts).
    public var hasTemplateReference: Bool {
        var dollar = false
        for byte in utf8 {
            if dollar && byte == UInt8(ascii: "{") { return true }
            dollar = byte == UInt8(ascii: "$")
        }
        return false
    }
}
