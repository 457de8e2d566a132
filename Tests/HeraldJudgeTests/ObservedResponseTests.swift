import HeraldCore
import HeraldJudge
import Testing

/// A response kept as the bytes received reads as the body a parse on arrival gave: JSON when the bytes are an object
/// or an array that parses, else the text.
@Suite struct ObservedResponseTests {
    func received(_ text: String) -> ObservedResponse {
        ObservedResponse(status: 200, headers: [], bytes: Array(text.utf8), text: text, seq: 1)
    }

    @Test(arguments: [#"{"id":7,"tags":["a"]}"#, #"  [1, 2]"#, "plain text", #"{"broken":"#, "", "42"])
    func bodyReadsAsParsedOnArrival(_ text: String) {
        let eager = JSONParser.parseIfJSON(Array(text.utf8)) ?? .string(text)
        #expect(received(text).body == eager)
    }

    @Test("a body set replaces the bytes")
    func setBody() {
        var r = received(#"{"id":7}"#)
        r.body = .string("x")
        #expect(r.body == .string("x"))
    }
}
