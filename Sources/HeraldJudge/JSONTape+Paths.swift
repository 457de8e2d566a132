import HeraldContract
import HeraldCore

/// A single-valued JSONPath compiled for tapes: its field names encoded once, as plain values, so that following it
/// on a frame's tape touches no reference counts.
public struct TapePath: Sendable {
    /// A field (`key >= 0`: bytes `start..<start+count` of `bytes`, text `texts[key]`) or an index.
    private struct Step {
        var key: Int
        var start: Int
        var count: Int
        var plain: Bool
        var index: Int
    }

    /// The path as written.
    public let path: JSONPath
    /// `nil` when the path needs the value itself (`.length()`, a wildcard, a descendant search).
    private let steps: [Step]?
    private let bytes: [UInt8]
    private let texts: [String]

    /// Compiles `path`.
    public init(_ path: JSONPath) {
        self.path = path
        var steps: [Step]? = []
        var bytes: [UInt8] = []
        var texts: [String] = []
        // Sized once: a path is compiled for every bound expectation's members.
        steps?.reserveCapacity(path.components.count)
        texts.reserveCapacity(path.components.count)
        for c in path.components {
            switch c {
            case .field(let name):
                let start = bytes.count
                bytes.append(contentsOf: name.utf8)
                steps?.append(Step(key: texts.count, start: start, count: bytes.count - start,
                                   plain: !bytes[start...].contains { $0 >= 0x80 }, index: 0))
                texts.append(name)
            case .index(let n):
                steps?.append(Step(key: -1, start: 0, count: 0, plain: true, index: n))
            case .length, .wildcard, .descendant:
                steps = nil
            }
        }
        self.steps = steps
        self.bytes = bytes
        self.texts = texts
    }

    /// Where the path leads from `node` of `tape`, as `JSONPath.evaluate(in:)` walks a value.
    func locate(in tape: JSONTape, from node: Int) -> TapeLocation {
        guard let steps else { return .unsupported }
        var node = node
        for step in steps {
            let next: Int?
            if step.key >= 0 {
                next = bytes.withUnsafeBufferPointer { b in
                    tape.member(UnsafeBufferPointer(rebasing: b[step.start..<(step.start + step.count)]), plain: step.plain,
                                text: texts[step.key], of: node)
                }
            } else {
                next = tape.element(step.index, of: node)
            }
            guard let next else { return .absent }
            node = next
        }
        return .found(node)
    }
}

/// Where a path leads on a tape.
enum TapeLocation {
    /// To this token.
    case found(Int)
    /// Nowhere: a field or element that is not there (`evaluate` gives `nil`).
    case absent
    /// The path needs the value itself (`.length()`, a wildcard, a descendant search).
    case unsupported
}
