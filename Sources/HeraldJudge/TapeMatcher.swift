import HeraldContract
import HeraldCore

/// A matcher compiled once for reading frames on their tapes: object members become encoded keys to look up, and a
/// leaf that compares with a string, a number or a literal compares with the tape's bytes, without building a value.
/// Anything else (a regular expression, `$one_of`, a whole-value comparison) reads its own value and asks the matcher.
///
/// The program is flat: nodes, members (each with its path compiled as a ``TapePath``) and literal bytes in arrays,
/// linked by index, so that matching a frame touches almost no reference counts. It answers what ``Matcher/matches(_:)`` answers on the parsed frame
/// (tested on a corpus of frames and matchers, and through the incremental-judging replay).
public struct TapeMatcher: Sendable {
    private enum Kind: UInt8 {
        /// Members `first..<first+count`; `flag`: any value will do (every key is a JSONPath from the root).
        case object
        /// `flag`: present.
        case exists
        /// Key `first` (the literal text); `general` for a number.
        case text
        /// `number`; `general` for a string.
        case number
        /// `op` with `number`; `general` for anything but a number.
        case compare
        /// Nodes `first..<first+count`.
        case all
        /// Matcher `general` on the parsed value.
        case general
    }

    private struct Node {
        var kind: Kind
        var flag = false
        var op: Matcher.Comparison = .gt
        var first = 0
        var count = 0
        var number = 0.0
        var general = -1
    }

    private struct Member {
        /// The member's path, compiled for tapes.
        var path: TapePath?
        var node: Int
        /// The member's matcher in `generals`, for a path that needs the value itself.
        var general: Int
    }

    /// Bytes `start..<start+count` of `keyBytes`.
    private struct Key {
        var start: Int
        var count: Int
        var plain: Bool
    }

    private var nodes: [Node] = []
    private var members: [Member] = []
    private var keys: [Key] = []
    private var keyBytes: [UInt8] = []
    private var generals: [Matcher] = []

    /// Compiles `matcher`.
    public init(_ matcher: Matcher) {
        // Each array is sized once: a matcher is compiled for every bound expectation.
        var size = Size()
        size.count(matcher)
        nodes.reserveCapacity(size.nodes)
        members.reserveCapacity(size.members)
        generals.reserveCapacity(size.nodes + size.members)
        keys.reserveCapacity(size.keys)
        keyBytes.reserveCapacity(size.keyBytes)
        _ = compile(matcher)
    }

    /// How many nodes, members, keys and key bytes ``compile(_:)`` lays out for a matcher.
    private struct Size {
        var nodes = 0, members = 0, keys = 0, keyBytes = 0

        mutating func count(_ matcher: Matcher) {
            nodes += 1
            switch matcher {
            case .object(let ms):
                members += ms.count
                for m in ms { count(m.matcher) }
            case .all(let ms):
                members += ms.count
                for m in ms { count(m) }
            case .equals(.string(let s)):
                keys += 1
                keyBytes += s.utf8.count
            default:
                break
            }
        }
    }

    private mutating func key(_ text: String) -> Int {
        let start = keyBytes.count
        keyBytes.append(contentsOf: text.utf8)
        keys.append(Key(start: start, count: keyBytes.count - start, plain: !keyBytes[start...].contains { $0 >= 0x80 }))
        return keys.count - 1
    }

    private mutating func general(_ matcher: Matcher) -> Int {
        generals.append(matcher)
        return generals.count - 1
    }

    /// Appends the nodes of `matcher` and returns the index of its own.
    private mutating func compile(_ matcher: Matcher) -> Int {
        let at = nodes.count
        nodes.append(Node(kind: .general))
        switch matcher {
        case .object(let ms):
            // The members are laid out first, then each one's node.
            let first = members.count
            members.append(contentsOf: repeatElement(Member(path: nil, node: 0, general: -1), count: ms.count))
            for (i, m) in ms.enumerated() {
                let general = general(m.matcher)
                members[first + i] = Member(path: TapePath(m.path), node: compile(m.matcher), general: general)
            }
            nodes[at] = Node(kind: .object, flag: ms.allSatisfy { $0.key.hasPrefix("$") }, first: first, count: ms.count)
        case .exists(let present):
            nodes[at] = Node(kind: .exists, flag: present)
        case .equals(.string(let s)):
            nodes[at] = Node(kind: .text, first: key(s), general: general(matcher))
        case .equals(.number(let n)):
            nodes[at] = Node(kind: .number, number: n, general: general(matcher))
        case .compare(let op, let bound):
            nodes[at] = Node(kind: .compare, op: op, number: bound, general: general(matcher))
        case .all(let ms):
            // Children are compiled one after another; their indices are gathered in `members`' slots as nodes.
            let first = members.count
            members.append(contentsOf: repeatElement(Member(path: nil, node: 0, general: -1), count: ms.count))
            for (i, m) in ms.enumerated() { members[first + i].node = compile(m) }
            nodes[at] = Node(kind: .all, first: first, count: ms.count)
        default:
            nodes[at] = Node(kind: .general, general: general(matcher))
        }
        return at
    }

    /// Whether the value at `node` of `tape` (absent when `nil`) satisfies the matcher.
    public func matches(_ tape: JSONTape, _ node: Int?) -> Bool { matches(0, tape, node) }

    private func matches(_ index: Int, _ tape: JSONTape, _ node: Int?) -> Bool {
        let n = nodes[index]
        switch n.kind {
        case .object:
            guard let node, n.flag || tape.kind(node) == .object else { return false }
            for i in n.first..<(n.first + n.count) {
                switch members[i].path!.locate(in: tape, from: node) {
                case .found(let child): if !matches(members[i].node, tape, child) { return false }
                case .absent: if !matches(members[i].node, tape, nil) { return false }
                case .unsupported:
                    let m = members[i]
                    if !generals[m.general].matches(m.path!.path.evaluate(in: tape.value(at: node))) { return false }
                }
            }
            return true
        case .exists:
            return (node.map { tape.kind($0) != .null } ?? false) == n.flag
        case .text:
            guard let node else { return false }
            // A number equals its text too: the bytes cannot tell, the matcher can.
            let k = keys[n.first]
            let equal = keyBytes.withUnsafeBufferPointer {
                tape.textEquals(node, UnsafeBufferPointer(rebasing: $0[k.start..<(k.start + k.count)]), plain: k.plain)
            }
            return equal ?? generals[n.general].matches(tape.value(at: node))
        case .number:
            guard let node else { return false }
            switch tape.kind(node) {
            case .number: return tape.number(node) == n.number
            case .string: return generals[n.general].matches(tape.value(at: node))
            default: return false
            }
        case .compare:
            guard let node else { return false }
            guard let value = tape.number(node) else { return generals[n.general].matches(tape.value(at: node)) }
            switch n.op {
            case .gt: return value > n.number
            case .gte: return value >= n.number
            case .lt: return value < n.number
            case .lte: return value <= n.number
            }
        case .all:
            for i in n.first..<(n.first + n.count) where !matches(members[i].node, tape, node) { return false }
            return true
        case .general:
            return generals[n.general].matches(node.map { tape.value(at: $0) })
        }
    }
}
