import HeraldCore
import Testing

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let v = try JSONParser.parse(#"{"a":1,"b":[true,false,null],"c":"x\"y\u00e9\n","d":-2.5e2,"e":{}}"#)
        #expect(v["a"] == .number(1))
        #expect(v["b"] == .array([.bool(true), .bool(false), .null]))
        #expect(v["c"] == .string("x\"yé\n"))
        #expect(v["d"] == .number(-250))
        #expect(v["e"] == .object([:]))
    }

    @Test func parsesSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
    }

    /// A high surrogate followed by an escape that is not a low surrogate trapped (UInt32 underflow), on any frame
    /// (found by Fuzz/ FuzzMatcher). A surrogate without its pair is U+FFFD; the escape after it is its own character.
    @Test func readsAnUnpairedSurrogateAsAReplacementCharacter() throws {
        #expect(try JSONParser.parse(#""\ud800\u0041""#) == .string("\u{FFFD}A"))
        #expect(try JSONParser.parse(#""\ud800\uffff""#) == .string("\u{FFFD}\u{FFFF}"))
        #expect(try JSONParser.parse(#""\ud800\ud83d\ude00x""#) == .string("\u{FFFD}😀x"))
        #expect(try JSONParser.parse(#""\ude00\ud800""#) == .string("\u{FFFD}\u{FFFD}"))
        let tape = try #require(JSONTape(Array(#"{"k":"\ud800\u0041"}"#.utf8)))
        #expect(tape.value(at: JSONTape.root) == .object(["k": .string("\u{FFFD}A")]))
    }

    @Test(arguments: [#"{"a":}"#, #"[1,]"#, #"{"a" 1}"#, "tru", #""unterminated"#, "{} x", ""])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse(text) }
    }

    @Test func reportsTheOffsetOfAnError() {
        do {
            _ = try JSONParser.parse(#"{"a": x}"#)
            Issue.record("expected a failure")
        } catch {
            #expect(error.offset == 6)
        }
    }

    @Test func parseIfJSONLeavesPlainTextAlone() {
        #expect(JSONParser.parseIfJSON(Array("hello".utf8)) == nil)
        #expect(JSONParser.parseIfJSON(Array(" {\"a\":1}".utf8)) == .object(["a": 1]))
    }

    @Test func encodesWithSortedKeysAndIntegers() {
        let v: JSONValue = ["b": 2, "a": [1.5, "x\n"], "c": nil]
        #expect(v.encoded() == #"{"a":[1.5,"x\n"],"b":2,"c":null}"#)
    }

    @Test func roundTripsThroughItsOwnEncoding() throws {
        let v: JSONValue = ["k": ["n": -3, "s": "tab\there", "t": true]]
        #expect(try JSONParser.parse(v.encoded()) == v)
    }
}

@Suite struct RedactorTests {
    @Test func masksKnownSecretsEverywhere() {
        let r = Redactor(secrets: ["s3cr3t-token"])
        #expect(r.redact("Bearer s3cr3t-token and s3cr3t-token") == "Bearer ••• and •••")
    }

    @Test func masksSecretHeadersButKeepsTheScheme() {
        let r = Redactor()
        #expect(r.redact(header: "Authorization", value: "Bearer abcdef") == "Bearer •••")
        #expect(r.redact(header: "Cookie", value: "sid=1") == "•••")
        #expect(r.redact(header: "Accept", value: "text/plain") == "text/plain")
    }

    @Test func masksSecretLookingFieldsInJSON() {
        let r = Redactor(fields: ["pin"])
        let v: JSONValue = ["token": "tok-1", "id": "u-1", "nested": ["password": "p", "pin": "1234"]]
        #expect(r.redact(v) == ["token": "•••", "id": "u-1", "nested": ["password": "•••", "pin": "•••"]])
    }

    @Test("masked(_:) is nil when nothing needs masking, and masks fields and known values inside arrays")
    func maskedOnlyWhenNeeded() {
        let r = Redactor(secrets: ["s3cr3t-value"])
        #expect(r.masked(["type": "order.created", "items": [1, "two"], "n": 3]) == nil)
        #expect(r.masked(["items": [["apiKey": 42], "x s3cr3t-value"]]) == ["items": [["apiKey": "•••"], "x •••"]])
        #expect(Redactor().masked(["note": "s3cr3t-value"]) == nil, "a value only counts once it is known")
    }

    @Test func learnsSecretsDuringARun() {
        let r = Redactor()
        #expect(r.redact("tok-abcdef") == "tok-abcdef")
        r.add(secret: "tok-abcdef")
        #expect(r.redact("x tok-abcdef y") == "x ••• y")
    }
}
