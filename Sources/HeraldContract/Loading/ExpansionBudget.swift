import HeraldCore
import Yams

/// Bounds on what a contract file may expand to once its YAML aliases are followed, checked before anything reads
/// the tree: ten nested anchors of ten aliases each (a "billion laughs" file of 1 KiB) would otherwise unfold into
/// 10¹⁰ values as the contract is read.
///
/// An alias is a copy of the node its anchor names, with that node's position, so each node is sized once, by its
/// position, and every alias of it reuses the figure: the check costs one visit per node written in the file.
///
/// The bounds are on what aliases add to the values written out in the file, which the file size limit bounds
/// already: a long contract without aliases (thousands of steps) is never refused by them.
enum ExpansionBudget {
    /// The most values (mappings, lists, scalars) aliases may add to those written in the file.
    static let maxNodes = 100_000
    /// The most bytes of scalar text aliases may add to that written in the file.
    static let maxBytes = 16 << 20
    /// The largest contract file read.
    static let maxFileBytes = 4 << 20

    private struct Size {
        var nodes = 0
        var bytes = 0
    }

    private struct Key: Hashable {
        let line: Int
        let column: Int
        let mapping: Bool
    }

    /// What the walk has learnt: each written node's expanded size, by position, and the sum of the values
    /// visited once each (those written in the file).
    private struct Walk {
        var sizes: [Key: Size] = [:]
        var written = Size()
    }

    /// Throws a diagnostic at the first value whose expansion passes a bound.
    static func check(_ root: Node, file: String) throws(Diagnostic) {
        var walk = Walk()
        _ = try size(root, file: file, walk: &walk)
    }

    private static func size(_ node: Node, file: String, walk: inout Walk) throws(Diagnostic) -> Size {
        let children: [Node]
        let key: Key?
        switch node {
        case .scalar(let s):
            let size = Size(nodes: 1, bytes: s.string.utf8.count)
            walk.written.nodes += 1
            walk.written.bytes += size.bytes
            return size
        case .alias:
            return Size(nodes: 1, bytes: 0)
        case .mapping(let m):
            children = m.flatMap { [$0.key, $0.value] }
            key = m.mark.map { Key(line: $0.line, column: $0.column, mapping: true) }
        case .sequence(let s):
            children = Array(s)
            key = s.mark.map { Key(line: $0.line, column: $0.column, mapping: false) }
        }
        if let key, let known = walk.sizes[key] { return known }
        walk.written.nodes += 1
        var total = Size(nodes: 1, bytes: 0)
        for child in children {
            let s = try size(child, file: file, walk: &walk)
            total.nodes += s.nodes
            total.bytes += s.bytes
            // Without aliases a value never outgrows what has been written so far; what passes it came through them.
            if total.nodes > maxNodes + walk.written.nodes || total.bytes > maxBytes + walk.written.bytes {
                let mark = node.mark
                throw Diagnostic(
                    "this value expands, through YAML aliases, to more than \(total.nodes > maxNodes ? "\(maxNodes) values" : "\(maxBytes >> 20) MiB of text")",
                    at: SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1),
                    hint: "a contract needs few aliases, and none nested inside each other many times over: write the values out, or share them with vars: and ${…}")
            }
        }
        if let key { walk.sizes[key] = total }
        return total
    }
}
