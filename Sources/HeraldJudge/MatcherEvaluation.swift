import HeraldContract
import HeraldCore

extension Matcher {
    /// Whether `value` (absent when `nil`) satisfies the matcher.
    public func matches(_ value: JSONValue?) -> Bool {
        switch self {
        case .equals(let expected):
            guard let value else { return false }
            return Matcher.equal(value, expected)
        case .object(let members):
            guard let value, value.objectValue != nil || members.allSatisfy({ $0.key.hasPrefix("$") }) else { return false }
            for m in members where !m.matcher.matches(m.path.evaluate(in: value)) { return false }
            return true
        case .array(let items):
            guard let a = value?.arrayValue, a.count == items.count else { return false }
            return zip(items, a).allSatisfy { $0.matches($1) }
        case .exists(let present):
            let isPresent = value != nil && value != .null
            return isPresent == present
        case .regex(let pattern):
            guard let value, let regex = RegexCache.shared.regex(pattern) else { return false }
            return value.plainText.contains(regex)
        case .oneOf(let options):
            guard let value else { return false }
            return options.contains { Matcher.equal(value, $0) }
        case .compare(let op, let bound):
            guard let n = Matcher.number(value) else { return false }
            switch op {
            case .gt: return n > bound
            case .gte: return n >= bound
            case .lt: return n < bound
            case .lte: return n <= bound
            }
        case .notEqual(let other):
            guard let value else { return true }
            return !Matcher.equal(value, other)
        case .contains(let inner):
            switch value {
            case .string(let s)?:
                if case .equals(let e) = inner { return s.contains(e.plainText) }
                return inner.matches(value)
            case .array(let items)?: return items.contains { inner.matches($0) }
            default: return false
            }
        case .type(let name):
            return value?.typeName == name || (name == "null" && value == .null)
        case .all(let ms):
            return ms.allSatisfy { $0.matches(value) }
        }
    }

    /// The fields where `value` differs from the matcher, each with what was expected and what was there.
    public func differences(_ value: JSONValue?, path: String = "$") -> [FieldDifference] {
        switch self {
        case .object(let members):
            guard let value else { return [FieldDifference(path: path, expected: "an object", actual: nil)] }
            if value.objectValue == nil, !members.allSatisfy({ $0.key.hasPrefix("$") }) {
                return [FieldDifference(path: path, expected: "an object", actual: value.encoded())]
            }
            return members.flatMap { m in
                let childPath = m.key.hasPrefix("$") ? (path == "$" ? m.key : path + String(m.key.dropFirst())) : Matcher.join(path, m.key)
                return m.matcher.differences(m.path.evaluate(in: value), path: childPath)
            }
        case .array(let items):
            guard let a = value?.arrayValue else {
                return [FieldDifference(path: path, expected: summary, actual: value?.encoded())]
            }
            if a.count != items.count {
                return [FieldDifference(path: path, expected: "\(items.count) elements", actual: "\(a.count) elements: \(value!.encoded())")]
            }
            return zip(items, a).enumerated().flatMap { i, pair in pair.0.differences(pair.1, path: "\(path)[\(i)]") }
        case .all(let ms):
            return ms.flatMap { $0.differences(value, path: path) }
        default:
            if matches(value) { return [] }
            return [FieldDifference(path: path, expected: summary, actual: value.map { $0.plainText })]
        }
    }

    /// How close `value` comes: satisfied leaves over all leaves, from 0 to 1. Used to find the nearest frame.
    public func closeness(_ value: JSONValue?) -> Double {
        let (hit, total) = leafScore(value)
        return total == 0 ? (matches(value) ? 1 : 0) : Double(hit) / Double(total)
    }

    private func leafScore(_ value: JSONValue?) -> (Int, Int) {
        switch self {
        case .object(let members):
            var hit = 0, total = 0
            for m in members {
                let (h, t) = m.matcher.leafScore(value.flatMap { m.path.evaluate(in: $0) })
                hit += h
                total += t
            }
            return (hit, total)
        case .all(let ms):
            return ms.reduce((0, 0)) { acc, m in let (h, t) = m.leafScore(value); return (acc.0 + h, acc.1 + t) }
        default:
            return (matches(value) ? 1 : 0, 1)
        }
    }

    static func join(_ path: String, _ key: String) -> String {
        key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } ? "\(path).\(key)" : "\(path)['\(key)']"
    }

    /// JSON equality, where a number also equals its text (`"42"` written in YAML against 42 in a frame) and
    /// objects compare exactly.
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        if a == b { return true }
        switch (a, b) {
        case (.number(let n), .string(let s)), (.string(let s), .number(let n)):
            return Double(s) == n
        default:
            return false
        }
    }

    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .number(let n)?: return n
        case .string(let s)?: return Double(s)
        default: return nil
        }
    }
}

/// Compiled regular expressions, shared across frames.
final class RegexCache: Sendable {
    static let shared = RegexCache()
    // Regex is not Sendable; it is created and used under the lock's protection only as an immutable value.
    private let cache = LockedDictionary()

    func regex(_ pattern: String) -> Regex<AnyRegexOutput>? { cache.get(pattern) }
}

import Synchronization

/// A dictionary of compiled regexes behind a mutex.
final class LockedDictionary: Sendable {
    private struct Box: @unchecked Sendable {
        // Sound: a compiled Regex is immutable once built; sharing it across threads only reads it.
        var map: [String: Regex<AnyRegexOutput>?] = [:]
    }
    private let state = Mutex(Box())

    func get(_ pattern: String) -> Regex<AnyRegexOutput>? {
        state.withLock { box in
            if let hit = box.map[pattern] { return hit }
            let compiled = try? Regex(pattern)
            box.map[pattern] = .some(compiled)
            return compiled
        }
    }
}
