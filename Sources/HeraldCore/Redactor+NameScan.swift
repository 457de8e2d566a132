extension Redactor {
    /// Tells, in one pass over a text's bytes, whether it may spell one of some names in any case, so that only such
    /// texts are parsed to look for secret-looking fields. Each name's first two letters are a bit in a table of
    /// letter pairs; a pair in the text whose bit is set is compared with the names in full.
    struct NameScan: Sendable {
        private let names: [[UInt8]]
        /// One bit per pair of lowered bytes: 65,536 bits.
        private let pairs: [UInt64]
        /// A name of a single letter, or with letters beyond ASCII (which lower otherwise), makes every text a candidate.
        private let everything: Bool

        init(names: some Sequence<String>) {
            self.names = names.map { Array($0.lowercased().utf8) }.filter { !$0.isEmpty }
            var pairs = [UInt64](repeating: 0, count: 1024)
            for n in self.names where n.count >= 2 {
                let pair = Int(n[0]) << 8 | Int(n[1])
                pairs[pair >> 6] |= 1 << UInt64(pair & 63)
            }
            self.pairs = pairs
            everything = self.names.contains { $0.count < 2 || $0.contains { $0 >= 0x80 } }
        }

        /// Whether `text` may hold one of the names, in any case.
        func mayHoldName(_ text: String) -> Bool {
            if everything { return true }
            var text = text
            return text.withUTF8 { hay in
                guard hay.count >= 2 else { return false }
                return pairs.withUnsafeBufferPointer { pairs in
                    var previous = Self.lowered(hay[0])
                    for i in 1..<hay.count {
                        let current = Self.lowered(hay[i])
                        let pair = Int(previous) << 8 | Int(current)
                        previous = current
                        // A \u escape may spell any name once parsed.
                        if pair == Int(UInt8(ascii: "\\")) << 8 | Int(UInt8(ascii: "u")) { return true }
                        guard pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0 else { continue }
                        if names.contains(where: { spells($0, in: hay, at: i - 1) }) { return true }
                    }
                    return false
                }
            }
        }

        private func spells(_ name: [UInt8], in hay: UnsafeBufferPointer<UInt8>, at start: Int) -> Bool {
            guard name.count <= hay.count - start else { return false }
            for k in name.indices where Self.lowered(hay[start + k]) != name[k] { return false }
            return true
        }

        /// An ASCII letter in lower case; any other byte as it is.
        @inline(__always) static func lowered(_ b: UInt8) -> UInt8 { b &- 65 < 26 ? b | 0x20 : b }
    }
}
