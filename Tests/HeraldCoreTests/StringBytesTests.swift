@testable import HeraldCore
import Testing

/// Finding and replacing text by its UTF-8 bytes, as secrets are masked and escapes written.
@Suite("string bytes")
struct StringBytesTests {
    @Test("a needle is found wherever its bytes occur, and nowhere else")
    func contains() {
        #expect("Bearer s3cr3t-token".containsBytes("s3cr3t"))
        #expect("abc".containsBytes("abc") && "xxabc".containsBytes("abc") && "abcxx".containsBytes("abc"))
        #expect(!"abc".containsBytes("abcd"))
        #expect(!"ab".containsBytes(""))
        #expect(!"aab".containsBytes("abb"))
        #expect("päßwörd: ü".containsBytes("ßw"))
        #expect("a\r\nb".containsBytes("\r") && "a\r\nb".containsBytes("\n"))
    }

    @Test("every occurrence is replaced, left to right, without overlaps; text without one comes back as it is")
    func replace() {
        #expect("t=abc&u=abc".replacingAll("abc", with: "***") == "t=***&u=***")
        #expect("aaaa".replacingAll("aa", with: "b") == "bb")
        #expect("abc".replacingAll("x", with: "y") == "abc")
        #expect("abc".replacingAll("", with: "y") == "abc")
        #expect("abc".replacingAll("abc", with: "") == "")
        #expect("héllo wörld".replacingAll("ö", with: "o") == "héllo world")
        // A CRLF is one Character but two bytes: both are escaped.
        #expect("a\r\nb".replacingAll("\r", with: "%0D").replacingAll("\n", with: "%0A") == "a%0D%0Ab")
    }
}
