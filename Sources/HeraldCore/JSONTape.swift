#if canImport(Glibc)
import Glibc
#endif

/// A JSON document checked and indexed in one pass over its UTF-8 bytes, without building a tree.
///
/// Each value (and each object key) is one token on a flat tape, in document order; a container's token says where
/// its contents end, so a lookup steps over a whole member at once. A judge looks up the few fields its matchers name
/// and reads only those values (``value(at:)``), where parsing would have built a dictionary per object and a string
/// per key and value of every frame.
///
/// A tape exists only for a document ``JSONParser`` accepts, and ``value(at:)`` of the root equals what it parses.
public struct JSONTape: Sendable, Hashable {
    /// What a token is.
    public enum Kind: UInt8, Sendable {
        /// An object (`{…}`).
        case object
        /// An array (`[…]`).
        case array
        /// A string, or an object key.
        case string
        /// A number.
        case number
        /// `true` or `false`.
        case bool
        /// `null`.
        case null
    }

    struct Token: Hashable {
        var kind: Kind
        /// For a string: it holds an escape (bit 0) or a non-ASCII byte (bit 1), so its bytes are not its text.
        var flags: UInt8
        /// The value's bytes: from `start` to `end` (a string's without its quotes).
        var start: UInt32
        var end: UInt32
        /// The token after this value and everything inside it.
        var next: UInt32
    }

    /// The document.
    public let bytes: [UInt8]
    private(set) var tokens: [Token]

    /// The root's token.
    public static let root = 0

    /// Indexes `bytes` when they are one JSON object or array (whitespace around it allowed); `nil` for anything else,
    /// including a document ``JSONParser`` would reject.
    public init?(_ bytes: [UInt8]) {
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
              first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return nil }
        guard bytes.count < Int(UInt32.max),
              let tokens = bytes.withUnsafeBufferPointer({ buffer -> [Token]? in
                  var builder = TapeBuilder(bytes: buffer)
                  return builder.build()
              }) else { return nil }
        self.bytes = bytes
        self.tokens = tokens
    }

    /// Two tapes are equal when their documents are.
    public static func == (a: JSONTape, b: JSONTape) -> Bool { a.bytes == b.bytes }
    /// Hashes the document.
    public func hash(into hasher: inout Hasher) { hasher.combine(bytes) }

    /// The kind of the token at `node`.
    public func kind(_ node: Int) -> Kind { tokens[node].kind }

    /// The value of the member `key` of the object at `node` (the last one, when the key repeats, as parsing keeps),
    /// or `nil` when `node` is not an object or has no such member.
    public func member(_ key: String, of node: Int) -> Int? {
        var utf8 = key
        return utf8.withUTF8 { member($0, plain: !$0.contains { $0 >= 0x80 }, text: key, of: node) }
    }

    /// ``member(_:of:)-(String,_)`` for a key given as its UTF-8 `key` bytes, `plain` when they are all ASCII, and its
    /// `text` (read only for keys written with escapes or beyond ASCII).
    public func member(_ key: UnsafeBufferPointer<UInt8>, plain: Bool, text: @autoclosure () -> String, of node: Int) -> Int? {
        let object = tokens[node]
        guard object.kind == .object else { return nil }
        var found: Int?
        var i = node + 1
        let end = Int(object.next)
        while i < end {
            if textEquals(i, key, plain: plain) ?? (value(at: i) == .string(text())) { found = i + 1 }
            i = Int(tokens[i + 1].next)
        }
        return found
    }

    /// Whether the string at `node` is the text of the UTF-8 bytes `text` (`plain` when they are all ASCII), when its
    /// bytes tell (plain ASCII on both sides, or a kind that is not a string); `nil` when only the parsed strings can
    /// (escapes, text beyond ASCII, which Swift compares canonically).
    public func textEquals(_ node: Int, _ text: UnsafeBufferPointer<UInt8>, plain: Bool) -> Bool? {
        let t = tokens[node]
        guard t.kind == .string else { return t.kind == .number ? nil : false }
        guard t.flags == 0, plain else { return nil }
        let length = Int(t.end - t.start)
        guard length == text.count else { return false }
        return length == 0 || bytes.withUnsafeBufferPointer { memcmp($0.baseAddress! + Int(t.start), text.baseAddress!, length) == 0 }
    }

    /// The number at `node`, or `nil` when it is not a number.
    public func number(_ node: Int) -> Double? {
        let t = tokens[node]
        guard t.kind == .number else { return nil }
        // Plain integers of up to 18 digits are read here, as the parser reads them; anything else by the parser.
        var i = Int(t.start)
        let end = Int(t.end)
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        guard end - i <= 18 else { return value(at: node).numberValue }
        var n: Int64 = 0
        while i < end {
            let d = bytes[i] &- 0x30
            guard d < 10 else { return value(at: node).numberValue }
            n = n * 10 + Int64(d)
            i += 1
        }
        return Double(negative ? -n : n)
    }

    /// The element `index` of the array at `node` (counted from the end when negative), or `nil`.
    public func element(_ index: Int, of node: Int) -> Int? {
        guard tokens[node].kind == .array else { return nil }
        let items = elements(of: node)
        let i = index < 0 ? items.count + index : index
        return i >= 0 && i < items.count ? items[i] : nil
    }

    /// The tokens of the array's elements, or of the object's member values, in order.
    public func elements(of node: Int) -> [Int] {
        let container = tokens[node]
        var out: [Int] = []
        var i = node + 1
        while i < Int(container.next) {
            if container.kind == .object { i += 1 }
            out.append(i)
            i = Int(tokens[i].next)
        }
        return out
    }

    /// The value at `node`, parsed (only its own bytes).
    public func value(at node: Int) -> JSONValue {
        let t = tokens[node]
        switch t.kind {
        case .bool: return .bool(bytes[Int(t.start)] == UInt8(ascii: "t"))
        case .null: return .null
        case .string where t.flags == 0:
            return .string(bytes.withUnsafeBufferPointer { String(decoding: $0[Int(t.start)..<Int(t.end)], as: UTF8.self) })
        default:
            // A string's token leaves its quotes out; parsing takes them back in.
            let quote = t.kind == .string ? 1 : 0
            return bytes.withUnsafeBufferPointer { JSONParser.parseValidated($0, from: Int(t.start) - quote, to: Int(t.end) + quote) }
        }
    }
}

/// Builds the tape in one pass, accepting exactly what ``JSONParser`` accepts.
private struct TapeBuilder {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    var tokens: [JSONTape.Token] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        tokens.reserveCapacity(bytes.count / 6 + 4)
    }

    mutating func build() -> [JSONTape.Token]? {
        skipWhitespace()
        guard value(depth: 0) else { return nil }
        skipWhitespace()
        return index == bytes.count ? tokens : nil
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// Appends a token for the value at `index` and everything inside it.
    mutating func value(depth: Int) -> Bool {
        guard depth < 512, index < bytes.count else { return false }
        let start = index
        switch bytes[index] {
        case UInt8(ascii: "{"): return container(.object, close: UInt8(ascii: "}"), depth: depth)
        case UInt8(ascii: "["): return container(.array, close: UInt8(ascii: "]"), depth: depth)
        case UInt8(ascii: "\""): return string()
        case UInt8(ascii: "t"): return literal("true", .bool, start)
        case UInt8(ascii: "f"): return literal("false", .bool, start)
        case UInt8(ascii: "n"): return literal("null", .null, start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            guard number() else { return false }
            append(.number, start, index)
            return true
        default: return false
        }
    }

    mutating func append(_ kind: JSONTape.Kind, _ start: Int, _ end: Int, flags: UInt8 = 0) {
        tokens.append(JSONTape.Token(kind: kind, flags: flags, start: UInt32(start), end: UInt32(end), next: UInt32(tokens.count + 1)))
    }

    mutating func literal(_ word: StaticString, _ kind: JSONTape.Kind, _ start: Int) -> Bool {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for i in 0..<count where bytes[index + i] != word.utf8Start[i] { return false }
        index += count
        append(kind, start, index)
        return true
    }

    mutating func container(_ kind: JSONTape.Kind, close: UInt8, depth: Int) -> Bool {
        let start = index
        let slot = tokens.count
        append(kind, start, start)
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == close {
            index += 1
        } else {
            while true {
                skipWhitespace()
                if kind == .object {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\""), string() else { return false }
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return false }
                    index += 1
                    skipWhitespace()
                }
                guard value(depth: depth + 1) else { return false }
                skipWhitespace()
                guard index < bytes.count else { return false }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == close { index += 1; break }
                return false
            }
        }
        tokens[slot].end = UInt32(index)
        tokens[slot].next = UInt32(tokens.count)
        return true
    }

    mutating func string() -> Bool {
        index += 1
        let start = index
        var flags: UInt8 = 0
        while true {
            // Eight bytes at a time while none of them is a quote, a backslash or a control character.
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while index + 8 <= bytes.count {
                let w = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
                let special = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w)) & highs
                if special != 0 {
                    // The lowest flagged byte is the first special one (a false flag can only follow a true one):
                    // the bytes before it are plain, and the byte loop takes over at it.
                    let plain = special.trailingZeroBitCount >> 3
                    if plain > 0, w & highs & (UInt64.max >> (64 - 8 * plain)) != 0 { flags |= 2 }
                    index += plain
                    break
                }
                if w & highs != 0 { flags |= 2 }
                index += 8
            }
            guard index < bytes.count else { return false }
            let b = bytes[index]
            if b == UInt8(ascii: "\"") {
                append(.string, start, index, flags: flags)
                index += 1
                return true
            }
            if b < 0x20 { return false }
            if b >= 0x80 { flags |= 2 }
            if b == UInt8(ascii: "\\") {
                flags |= 1
                index += 1
                guard index < bytes.count else { return false }
                switch bytes[index] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    break
                case UInt8(ascii: "u"):
                    guard index + 4 < bytes.count else { return false }
                    for i in 1...4 where !bytes[index + i].isHexDigit { return false }
                    index += 4
                default: return false
                }
            }
            index += 1
        }
    }

    /// The grammar ``JSONParser`` reads numbers with, and what its check of those that are not plain integers refuses.
    mutating func number() -> Bool {
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        var digits = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { digits += 1; index += 1 }
        guard digits > 0 else { return false }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            var exponent = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { exponent += 1; index += 1 }
            // `Double(_:)` reads everything this grammar takes ("1.", "1e999") except an exponent without digits.
            return exponent > 0
        }
        return true
    }
}

private extension UInt8 {
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
