import HeraldCore
import Testing

/// The tape must accept exactly what the parser accepts, and read back exactly what it parses.
@Suite struct JSONTapeTests {
    static let corpus = [
        #"{"type":"tick","n":17,"user":"u-1","payload":{"symbol":"ABCD","side":"buy","price":101.5,"flags":["lit",true,null]}}"#,
        #"[1,-2.5e3,"x\"y",{"a":[]},{},[[]],false,null,123456789012345678901234]"#,
        #"  {"k\u00e9y":"v\u00e9", "esc":"tab\there \ud83d\ude00", "dup":1, "dup":2, "empty":""}  "#,
        #"{"deep":{"a":{"b":{"c":[0,{"d":"e"}]}}},"K":"plain","n":0,"neg":-0.0,"exp":1E+2}"#,
        "[]", "{}", #"{"":""}"#, #"["\u0041\/"]"#, "[1.,1e999,-0.,1E-2,00.5]",
    ]

    static let rejected = [
        "", "   ", "{", "[1,]", #"{"a":}"#, #"{"a" 1}"#, "[-]", "[1e]", "[1e+]", "[2.5E-]", #"["\x"]"#, #"["\u12G4"]"#, "{}x", "[tru]",
        "[\"a\u{01}\"]", #"{1:2}"#, "[1 2]", #"["unterminated]"#, "\"top-level string\"", "42",
    ]

    /// A small deterministic generator, so that a failure replays.
    struct Rng {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
    }

    static func parses(_ bytes: [UInt8]) -> JSONValue? {
        guard let first = bytes.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }),
              first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return nil }
        return try? JSONParser.parse(bytes)
    }

    @Test("every document of the corpus is indexed and reads back as the parser parses it; broken ones are refused")
    func corpusRoundTrip() throws {
        for text in Self.corpus {
            let tape = try #require(JSONTape(Array(text.utf8)), "\(text)")
            #expect(tape.value(at: JSONTape.root) == (try JSONParser.parse(text)), "\(text)")
        }
        for text in Self.rejected {
            #expect(JSONTape(Array(text.utf8)) == nil, "\(text)")
        }
    }

    @Test("1,000 mutations of the corpus: the tape exists exactly when the parser accepts, and reads back the same")
    func mutations() {
        var rng = Rng(state: 7)
        let alphabet = Array(#"{}[]":,\-+.eE0123456789aulnrt "#.utf8) + [0x01, 0xC3, 0xA9]
        for round in 0..<1000 {
            var bytes = Array(Self.corpus[rng.next(Self.corpus.count)].utf8)
            for _ in 0...rng.next(3) {
                let at = rng.next(bytes.count + 1)
                switch rng.next(3) {
                case 0 where at < bytes.count: bytes.remove(at: at)
                case 1 where at < bytes.count: bytes[at] = alphabet[rng.next(alphabet.count)]
                default: bytes.insert(alphabet[rng.next(alphabet.count)], at: at)
                }
            }
            let parsed = Self.parses(bytes)
            let tape = JSONTape(bytes)
            #expect((tape != nil) == (parsed != nil), "round \(round): \(String(decoding: bytes, as: UTF8.self))")
            if let tape, let parsed { #expect(tape.value(at: JSONTape.root) == parsed, "round \(round)") }
        }
    }

    @Test("members are found by key as a dictionary finds them: the last duplicate, escaped and canonically equal keys")
    func members() throws {
        let tape = try #require(JSONTape(Array(Self.corpus[2].utf8)))
        let root = JSONTape.root
        #expect(tape.member("dup", of: root).map { tape.value(at: $0) } == 2)
        #expect(tape.member("kéy", of: root).map { tape.value(at: $0) } == "vé", "an escaped key")
        #expect(tape.member("empty", of: root).map { tape.value(at: $0) } == "")
        #expect(tape.member("missing", of: root) == nil)
        let kelvin = try #require(JSONTape(Array(#"{"\#u{212A}":1}"#.utf8)))
        #expect(kelvin.member("K", of: root) != nil, "Swift strings (and so dictionaries) hold the Kelvin sign equal to K")
        let deep = try #require(JSONTape(Array(Self.corpus[3].utf8)))
        let c = try #require(deep.member("deep", of: root).flatMap { deep.member("a", of: $0) }.flatMap { deep.member("b", of: $0) }
            .flatMap { deep.member("c", of: $0) })
        #expect(deep.kind(c) == .array && deep.element(-1, of: c).map { deep.value(at: $0) } == ["d": "e"])
        #expect(deep.element(2, of: c) == nil && deep.member("a", of: c) == nil, "no third element; an array has no members")
        #expect(deep.elements(of: root).count == 5)
    }
}
