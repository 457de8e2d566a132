import HeraldContract
import HeraldCore

/// Where a path leads on a tape.
enum TapeLocation {
    /// To this token.
    case found(Int)
    /// Nowhere: a field or element that is not there (`evaluate` gives `nil`).
    case absent
    /// The path needs the value itself (`.length`, a wildcard, a descendant search).
    case unsupported
}

extension JSONTape {
    /// Follows a single-valued path of fields and indices from `node`, as `JSONPath.evaluate(in:)` walks a value.
    func locate(_ path: JSONPath, from node: Int) -> TapeLocation {
        var node = node
        for component in path.components {
            switch component {
            case .field(let name):
                guard let next = member(name, of: node) else { return .absent }
                node = next
            case .index(let n):
                guard let next = element(n, of: node) else { return .absent }
                node = next
            case .length, .wildcard, .descendant:
                return .unsupported
            }
        }
        return .found(node)
    }
}

extension Matcher {
    /// Whether the value at `node` of `tape` (absent when `nil`) satisfies the matcher: the same answer as
    /// ``matches(_:)`` on that value parsed, reading only the fields the matcher names. Objects are walked on the
    /// tape; each leaf reads its own value.
    public func matches(_ tape: JSONTape, _ node: Int?) -> Bool {
        switch self {
        case .object(let members):
            guard let node, tape.kind(node) == .object || members.allSatisfy({ $0.key.hasPrefix("$") }) else { return false }
            for m in members {
                switch tape.locate(m.path, from: node) {
                case .found(let child): if !m.matcher.matches(tape, child) { return false }
                case .absent: if !m.matcher.matches(nil) { return false }
                case .unsupported: if !m.matcher.matches(m.path.evaluate(in: tape.value(at: node))) { return false }
                }
            }
            return true
        case .exists(let present):
            let isPresent = node.map { tape.kind($0) != .null } ?? false
            return isPresent == present
        case .all(let ms):
            return ms.allSatisfy { $0.matches(tape, node) }
        default:
            return matches(node.map { tape.value(at: $0) })
        }
    }
}
