import Foundation
import Synchronization

/// Masks secrets in everything Herald records or prints: values of secret headers (`Authorization`, `Cookie`, …),
/// values of secret-looking fields (`token`, `password`, …), values loaded from `--env-file`, and values learnt while
/// the run goes on (a captured token).
public final class Redactor: Sendable {
    /// What replaces a secret.
    public static let mask = "•••"

    /// Header names whose values are always masked (lowercase).
    public static let secretHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-auth-token"]

    private struct State {
        var values: [String] = []
        var fields: Set<String>
        /// What `isSecretName` answered for each name asked: frames repeat the same few field names.
        var names: [String: Bool] = [:]
    }

    private let state: Mutex<State>
    /// Finds the texts that may hold a secret-looking name (fixed at creation, as the fields are).
    private let nameScan: NameScan

    /// Name parts that make a field or variable secret.
    static let secretParts = ["token", "password", "passwd", "secret", "apikey", "api_key", "authorization", "cookie",
                                      "credential", "private_key"]

    /// Creates a redactor with known secret values and extra field names to mask.
    public init(secrets: some Sequence<String> = [], fields: some Sequence<String> = [String]()) {
        let fields = Set(fields.map { $0.lowercased() })
        state = Mutex(State(fields: fields))
        nameScan = NameScan(names: Self.secretParts + fields)
        for s in secrets { add(secret: s) }
    }

    /// Whether a field or variable name looks secret (`token`, `password`, `apiKey`, `client_secret`, …).
    public func isSecretName(_ name: String) -> Bool {
        let (known, fields) = state.withLock { ($0.names[name], $0.fields) }
        if let known { return known }
        let secret = Self.isSecret(name, fields: fields)
        remember([name: secret])
        return secret
    }

    /// Whether `name` is secret: listed under `redact:`, or containing a secret-looking part.
    private static func isSecret(_ name: String, fields: Set<String>) -> Bool {
        let n = name.lowercased()
        return fields.contains(n) || secretParts.contains { n.contains($0) }
    }

    /// Keeps answers of `isSecretName` for the next frames.
    private func remember(_ answers: [String: Bool]) {
        state.withLock { s in
            // Bounded: a stream of frames with ever new keys must not grow it without end.
            if s.names.count + answers.count > 4096 { s.names.removeAll(keepingCapacity: true) }
            s.names.merge(answers) { _, new in new }
        }
    }

    /// Adds a value to mask wherever it appears. Values shorter than 4 characters are ignored (they would mask noise).
    public func add(secret: String) {
        guard secret.count >= 4 else { return }
        state.withLock { s in
            if !s.values.contains(secret) {
                s.values.append(secret)
                s.values.sort { $0.count > $1.count }
            }
        }
    }

    /// Whether any secret value is known (``redact(_:)`` changes nothing while none is).
    var holdsSecretValues: Bool { state.withLock { !$0.values.isEmpty } }

    /// `text` with every known secret masked.
    public func redact(_ text: String) -> String {
        let values = state.withLock { $0.values }
        if values.isEmpty { return text }
        var out = text
        for v in values where out.containsBytes(v) { out = out.replacingAll(v, with: Redactor.mask) }
        return out
    }

    /// How much of a body or frame is shown, in characters.
    public static let shownLimit = 64 * 1024

    /// A message body or frame as it may be shown: JSON that names a secret-looking field is re-encoded with those
    /// fields masked; any text, JSON or not, has known secret values masked. Nothing else changes, and a text that
    /// needs no masking is returned as it is. Text is cut at ``shownLimit`` characters, after masking.
    public func shown(_ text: String) -> String {
        var out = text
        // Parsing only the texts that spell a secret-looking name somewhere keeps the common frame at one scan.
        if nameScan.mayHoldName(text), let json = JSONParser.parseIfJSON(text.utf8), let masked = masked(json) {
            out = masked.encoded()
        }
        out = redact(out)
        // A character is at least one byte: only a text of more bytes than the limit can need cutting.
        return out.utf8.count > Self.shownLimit && out.count > Self.shownLimit ? String(out.prefix(Self.shownLimit)) : out
    }

    /// The end of a longer text (a command's output) as it may be shown: ``redact(_:)``, and a start that is the
    /// end of a known secret, cut off by whoever took the tail, is masked too.
    public func shown(tail text: String) -> String {
        let values = state.withLock { $0.values }
        var out = redact(text)
        for v in values {
            // The longest piece of `v`'s end, of 4 characters or more, that `out` starts with.
            let cut = (4..<v.count).reversed().first { out.hasPrefix(v.suffix($0)) }
            if let cut { out = Redactor.mask + out.dropFirst(cut) }
        }
        return out
    }

    /// Whether ``mask(_:)-(TimelineEntry)`` could change `entry`: `false` only when no secret value is known and the
    /// entry has no secret-looking header, no text that spells a secret-looking name, and no text past
    /// ``shownLimit``. Lets a result's timeline be masked without a masked copy of every entry to compare.
    /// `headerNames` keeps the answer for each header name seen, across the entries of one result.
    func mayChange(_ entry: TimelineEntry, headerNames: inout [String: Bool]) -> Bool {
        if holdsSecretValues { return true }
        func risky(_ text: String) -> Bool { text.utf8.count > Self.shownLimit || nameScan.mayHoldName(text) }
        func risky(_ headers: [RecordedHeader]) -> Bool {
            headers.contains { h in
                if let known = headerNames[h.name] { return known }
                let answer = Redactor.secretHeaders.contains(h.name.lowercased()) || isSecretName(h.name)
                headerNames[h.name] = answer
                return answer
            }
        }
        switch entry.event {
        case .request(let r): return risky(r.headers) || r.body.map(risky) == true
        case .response(let r): return risky(r.headers) || risky(r.body)
        case .frame(let f), .sent(let f): return risky(f.text) || f.headers.map(risky) == true
        // Masking changes a label, URL, reason or note only where a known secret value appears.
        case .step, .connected, .disconnected, .note: return false
        }
    }

    /// A header's value as it may be shown.
    public func redact(header name: String, value: String) -> String {
        if Redactor.secretHeaders.contains(name.lowercased()) || isSecretName(name) {
            // Keep the scheme ("Bearer") so a person can still tell what kind of credential was sent.
            if let space = value.firstIndex(of: " "), value[..<space].allSatisfy(\.isLetter) {
                return "\(value[..<space]) \(Redactor.mask)"
            }
            return Redactor.mask
        }
        return redact(value)
    }

    /// `value` with secret-looking fields and known secret values masked, or `nil` when nothing in it needed masking
    /// (the common case for a stream of frames, which then costs one walk and no copy).
    public func masked(_ value: JSONValue) -> JSONValue? {
        // One look at the shared state per value, not one per field: the names answered so far are read from a copy,
        // and what this walk learns is added back at the end.
        let (values, fields, known) = state.withLock { ($0.values, $0.fields, $0.names) }
        var learnt: [String: Bool] = [:]
        func isSecretName(_ name: String) -> Bool {
            if let answer = known[name] ?? learnt[name] { return answer }
            let answer = Self.isSecret(name, fields: fields)
            learnt[name] = answer
            return answer
        }
        defer { if !learnt.isEmpty { remember(learnt) } }
        func walk(_ v: JSONValue) -> JSONValue? {
            switch v {
            case .string(let s):
                guard !values.isEmpty else { return nil }
                let r = redact(s)
                return r == s ? nil : .string(r)
            case .array(let a):
                var out: [JSONValue]?
                for (i, item) in a.enumerated() {
                    if let m = walk(item) {
                        if out == nil { out = a }
                        out![i] = m
                    }
                }
                return out.map(JSONValue.array)
            case .object(let o):
                var out: [String: JSONValue]?
                for (k, item) in o {
                    let replacement: JSONValue?
                    switch item {
                    case .string where isSecretName(k), .number where isSecretName(k): replacement = .string(Redactor.mask)
                    default: replacement = walk(item)
                    }
                    if let replacement {
                        if out == nil { out = o }
                        out![k] = replacement
                    }
                }
                return out.map(JSONValue.object)
            default:
                return nil
            }
        }
        return walk(value)
    }

    /// A JSON value with secret-looking fields and known secret values masked.
    public func redact(_ value: JSONValue) -> JSONValue { masked(value) ?? value }
}
