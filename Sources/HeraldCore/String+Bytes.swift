#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension String {
    /// Whether `needle` occurs in the text, byte for byte in UTF-8 (`memchr` and `memcmp`). Foundation's `contains(_:)` goes
    /// through `range(of:)`, which compares by characters and costs a hundred times more on short texts; a secret or
    /// an escape is matched by its bytes anyway.
    public func containsBytes(_ needle: String) -> Bool {
        firstByteOffset(of: needle, from: 0) != nil
    }

    /// The text with every occurrence of `target` (byte for byte in UTF-8, left to right, not overlapping) replaced.
    /// A `\r\n` is two bytes here, so replacing `\r` and `\n` one after the other escapes both.
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty, var at = firstByteOffset(of: target, from: 0) else { return self }
        let bytes = Array(utf8), skip = target.utf8.count
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var start = 0
        while true {
            out += bytes[start..<at]
            out += replacement.utf8
            start = at + skip
            guard let next = firstByteOffset(of: target, from: start) else { break }
            at = next
        }
        out += bytes[start...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Where `needle` first occurs at or after byte `offset`, in UTF-8 bytes.
    private func firstByteOffset(of needle: String, from offset: Int) -> Int? {
        var hay = self, needle = needle
        return hay.withUTF8 { h -> Int? in
            needle.withUTF8 { n -> Int? in
                guard !n.isEmpty, h.count - offset >= n.count, let base = h.baseAddress, let nb = n.baseAddress else { return nil }
                let last = h.count - n.count  // the last offset where the needle still fits
                var i = offset
                while i <= last {
                    guard let hit = memchr(base + i, Int32(n[0]), last - i + 1) else { return nil }
                    let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                    if memcmp(base + at, nb, n.count) == 0 { return at }
                    i = at + 1
                }
                return nil
            }
        }
    }
}
