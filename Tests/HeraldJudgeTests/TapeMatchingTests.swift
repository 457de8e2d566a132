import HeraldContract
import HeraldCore
import HeraldJudge
import Testing

/// Frames are matched on their tape (only the fields a matcher names are read); the answer must be the one the
/// matcher gives on the parsed value, for every kind of matcher and every shape of frame.
@Suite("matching on the tape")
struct TapeMatchingTests {
    static let frames = [
        #"{"type":"offer.accepted","n":1,"o":{"n":"1","side":"buy"},"items":[1,"two",{"k":3}],"note":null,"ok":true}"#,
        #"{"type":"offer.rejected","n":"1","o":{"n":2},"items":[],"tags":["a","b"],"text":"hello world"}"#,
        #"{"type":"a","n":2.5,"o":[1,2],"dup":1,"dup":"last","\u0074ag":"escaped key","K":"kelvin"}"#,
        #"[{"type":"a"},2,"x"]"#,
        #"{"n":-3,"o":{"o":{"o":{"n":4}}},"items":[[1],[2,3]],"type":""}"#,
        #"{"s":"caf\u00e9","t":"café","k":"\#u{212A}","n":12345678901234567890,"m":1.5e2,"z":-0,"q":"2.5"}"#,
    ]

    static func member(_ key: String, _ matcher: Matcher) -> Matcher.Member {
        Matcher.Member(key: key, path: JSONPath(fields: [key]), matcher: matcher)
    }

    static func path(_ text: String, _ matcher: Matcher) throws -> Matcher.Member {
        Matcher.Member(key: text, path: try JSONPath(text), matcher: matcher)
    }

    static func matchers() throws -> [Matcher] {
        [
            .object([member("type", .equals("offer.accepted"))]),
            .object([member("type", .equals("a")), member("n", .equals(2.5))]),
            .object([member("n", .equals(1))]),
            .object([member("n", .equals("1"))]),
            .object([member("n", .compare(.gte, 2))]),
            .object([member("n", .compare(.lt, 0))]),
            .object([member("o", .object([member("n", .equals(1))]))]),
            .object([member("o", .object([member("side", .oneOf(["buy", "sell"]))]))]),
            .object([member("o", .object([member("o", .object([member("o", .object([member("n", .exists(true))]))]))]))]),
            .object([member("note", .exists(false))]),
            .object([member("note", .exists(true))]),
            .object([member("missing", .exists(false))]),
            .object([member("items", .contains(.equals("two")))]),
            .object([member("items", .array([]))]),
            .object([member("items", .type("array"))]),
            .object([member("text", .contains(.equals("world")))]),
            .object([member("text", .regex("^hel+o"))]),
            .object([member("type", .notEqual("a"))]),
            .object([member("ok", .equals(true))]),
            .object([member("dup", .equals("last"))]),
            .object([member("dup", .equals(1))]),
            .object([member("tag", .equals("escaped key"))]),
            .object([member("K", .equals("kelvin"))]),
            .object([member("type", .all([.exists(true), .notEqual("")]))]),
            .object([try path("$.o.n", .equals(2))]),
            .object([try path("$.items[1]", .equals("two"))]),
            .object([try path("$.items[-1]", .object([member("k", .equals(3))]))]),
            .object([try path("$.items.length", .equals(3))]),
            .object([try path("$.items[*]", .contains(.equals(1)))]),
            .object([try path("$..n", .contains(.equals(4)))]),
            .object([try path("$[0].type", .equals("a"))]),
            .object([member("s", .equals("café"))]),
            .object([member("t", .equals("café"))]),
            .object([member("k", .equals("K"))]),
            .object([member("n", .equals(.number(12345678901234567890.0)))]),
            .object([member("m", .equals(150))]),
            .object([member("m", .compare(.gt, 149.5))]),
            .object([member("z", .equals(0))]),
            .object([member("q", .compare(.gte, 2.5))]),
            .object([member("q", .equals(2.5))]),
            .object([member("ok", .equals("true"))]),
            .object([member("note", .equals(.null))]),
            .object([member("o", .equals(1))]),
            .object([member("type", .compare(.lt, 1))]),
            .object([]),
            .equals(["type": "a"]),
            .exists(true),
            .array([.object([member("type", .equals("a"))]), .equals(2), .equals("x")]),
            .type("object"),
        ]
    }

    @Test("every matcher gives on the tape of every frame what it gives on the parsed frame")
    func sameAnswers() throws {
        var held = 0
        for text in Self.frames {
            let tape = try #require(JSONTape(Array(text.utf8)))
            let value = try JSONParser.parse(text)
            let frame = ObservedFrame(seq: 0, at: .now(), actor: nil, channel: "c", tape: tape, text: text)
            for (i, m) in try Self.matchers().enumerated() {
                let expected = m.matches(value)
                #expect(TapeMatcher(m).matches(tape, JSONTape.root) == expected, "matcher \(i) on \(text)")
                #expect(frame.matches(m) == expected, "matcher \(i) on the frame \(text)")
                if expected { held += 1 }
            }
        }
        // Not vacuous: a good share of the pairs match, and a good share do not.
        let pairs = Self.frames.count * (try Self.matchers().count)
        #expect(held > 20 && held < pairs - 20)
    }

    @Test("a frame indexed on a tape reads paths, and compacts to its text, as a parsed one does")
    func frames() throws {
        let text = Self.frames[0]
        let frame = ObservedFrame(seq: 3, at: .now(), actor: "a", channel: "c", tape: try #require(JSONTape(Array(text.utf8))), text: text)
        #expect(frame.value(at: JSONPath(fields: ["o", "side"])) == "buy")
        #expect(frame.value(at: try JSONPath("$.items.length()")) == 3)
        #expect(frame.value(at: JSONPath(fields: ["nope"])) == nil)
        #expect(frame.value == (try JSONParser.parse(text)))
        #expect(frame.compacted().value == frame.value && frame.compacted().matches(.object([Self.member("ok", .equals(true))])))
    }
}
