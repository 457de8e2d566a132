import HeraldCore
import HeraldTransport
import Testing

/// The EventSource parsing rules, without sockets.
@Suite("SSE parser")
struct SSEParserTests {
    private static let at = MonotonicInstant(nanoseconds: 42)

    /// Feeds `chunks` one after another and returns every event.
    private func parse(_ chunks: [[UInt8]], into parser: inout SSEParser) -> [SSEEvent] {
        chunks.flatMap { parser.feed($0, receivedAt: Self.at) }
    }

    private func parse(_ text: String) -> [SSEEvent] {
        var parser = SSEParser()
        return parse([Array(text.utf8)], into: &parser)
    }

    private func event(_ data: String, type: String = "message", id: String? = nil, retry: Duration? = nil) -> SSEEvent {
        SSEEvent(event: type, id: id, data: data, retry: retry, receivedAt: Self.at)
    }

    @Test("data lines join with LF; event names; the type resets after each event")
    func dataAndEvent() {
        #expect(parse("data: hello\n\n") == [event("hello")])
        #expect(parse("data: a\ndata: b\ndata: c\n\n") == [event("a\nb\nc")])
        #expect(parse("event: order.created\ndata: {\"id\":1}\n\ndata: plain\n\n")
                == [event("{\"id\":1}", type: "order.created"), event("plain")])
        #expect(parse("event: first\nevent: second\ndata: x\n\n") == [event("x", type: "second")])
        #expect(parse("event:\ndata: x\n\n") == [event("x")])
    }

    @Test("one leading space of a value is removed, no more; a field without a colon has an empty value")
    func values() {
        #expect(parse("data:no space\n\n") == [event("no space")])
        #expect(parse("data:  two spaces\n\n") == [event(" two spaces")])
        #expect(parse("data: a: b:c\n\n") == [event("a: b:c")])
        #expect(parse("data\n\n") == [event("")])
        #expect(parse("data\ndata\n\n") == [event("\n")])
        #expect(parse("data:\n\n") == [event("")])
        #expect(parse("data: trailing  \n\n") == [event("trailing  ")])
    }

    @Test("comments and unknown fields are ignored; no data, no event")
    func commentsAndEmptyEvents() {
        #expect(parse(": keep-alive\n\n").isEmpty)
        #expect(parse(":\n: x\ndata: a\n: between\ndata: b\n\n") == [event("a\nb")])
        #expect(parse("event: ping\n\n").isEmpty)
        #expect(parse("event: ping\n\ndata: next\n\n") == [event("next")])
        #expect(parse("foo: bar\nDATA: shout\nData: x\n\n").isEmpty)
        #expect(parse("\n\n\n").isEmpty)
    }

    @Test("CRLF, LF and CR all end lines, also mixed")
    func lineEndings() {
        #expect(parse("data: a\r\ndata: b\r\n\r\n") == [event("a\nb")])
        #expect(parse("data: a\rdata: b\r\r") == [event("a\nb")])
        #expect(parse("data: a\ndata: b\rdata: c\r\n\n") == [event("a\nb\nc")])
        // CR CR is two line ends (an empty line), CR LF is one.
        #expect(parse("data: a\r\rdata: b\r\n\r\n") == [event("a"), event("b")])
    }

    @Test("a CRLF split between two chunks is one line end, not an empty line")
    func splitCRLF() {
        var parser = SSEParser()
        let events = parse([Array("data: a\r".utf8), Array("\ndata: b\r".utf8), Array("\n\r".utf8), Array("\n".utf8)],
                           into: &parser)
        #expect(events == [event("a\nb")])
    }

    @Test("any split of a stream gives the same events as the whole (byte by byte, and UTF-8 split mid-character)")
    func chunking() {
        let text = "\u{FEFF}retry: 2500\r\nid: 1\nevent: é\rdata: dé jà\r\ndata: 🎉\n\n: c\r\nid: 2\ndata: two\r\r"
            + "data: unfinished"
        let whole = parse(text)
        #expect(whole == [event("dé jà\n🎉", type: "é", id: "1", retry: .milliseconds(2500)), event("two", id: "2")])
        let bytes = Array(text.utf8)
        var oneByOne = SSEParser()
        #expect(parse(bytes.map { [$0] }, into: &oneByOne) == whole)
        for cut in stride(from: 1, to: bytes.count, by: 3) {
            var split = SSEParser()
            #expect(parse([Array(bytes[..<cut]), Array(bytes[cut...])], into: &split) == whole, "cut at \(cut)")
        }
    }

    @Test("a leading BOM is skipped once, also split; a BOM elsewhere is content")
    func byteOrderMark() {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var a = SSEParser()
        #expect(parse([bom + Array("data: x\n\n".utf8)], into: &a) == [event("x")])
        var b = SSEParser()
        #expect(parse([[0xEF], [0xBB], [0xBF, UInt8(ascii: "d")], Array("ata: y\n\n".utf8)], into: &b) == [event("y")])
        // A second BOM makes the field name "\u{FEFF}data", which is not a field.
        var c = SSEParser()
        #expect(parse([bom + bom + Array("data: z\n\n".utf8)], into: &c).isEmpty)
        #expect(parse("data: \u{FEFF}kept\n\n") == [event("\u{FEFF}kept")])
        // Bytes that only start like a BOM are content.
        var d = SSEParser()
        #expect(parse([[0xEF, 0xBB], Array("data: w\n\n".utf8)], into: &d).isEmpty)
        var e = SSEParser()
        #expect(parse([[0xEF], Array("\n\ndata: v\n\n".utf8)], into: &e) == [event("v")])
    }

    @Test("the last event ID persists across events, an empty id clears it, an id with NUL is ignored")
    func ids() {
        #expect(parse("id: 1\ndata: a\n\ndata: b\n\nid: 2\ndata: c\n\nid\ndata: d\n\n")
                == [event("a", id: "1"), event("b", id: "1"), event("c", id: "2"), event("d")])
        #expect(parse("id: 1\ndata: a\n\nid: x\u{0}y\ndata: b\n\n") == [event("a", id: "1"), event("b", id: "1")])
        var parser = SSEParser()
        // An id in a block without data still becomes the last event ID.
        #expect(parse([Array("id: 7\n\n".utf8)], into: &parser).isEmpty)
        #expect(parser.lastEventID == "7")
        #expect(parse([Array("data: after\n\n".utf8)], into: &parser) == [event("after", id: "7")])
        var seeded = SSEParser(lastEventID: "41")
        #expect(seeded.lastEventID == "41")
        #expect(parse([Array("data: resumed\n\n".utf8)], into: &seeded) == [event("resumed", id: "41")])
        #expect(SSEParser(lastEventID: "").lastEventID == nil)
    }

    @Test("retry only when all ASCII digits; it sets the reconnection time and rides on its event only")
    func retry() {
        var parser = SSEParser()
        #expect(parse([Array("retry: 3000\ndata: a\n\ndata: b\n\n".utf8)], into: &parser)
                == [event("a", retry: .seconds(3)), event("b")])
        #expect(parser.reconnectionTime == .seconds(3))
        for bad in ["retry: 3s", "retry: -1", "retry:", "retry: 1 000", "retry:  100", "retry: 1.5", "retry: ١٢"] {
            var p = SSEParser()
            #expect(parse([Array("\(bad)\ndata: x\n\n".utf8)], into: &p) == [event("x")], "\(bad)")
            #expect(p.reconnectionTime == nil, "\(bad)")
        }
        var noData = SSEParser()
        #expect(parse([Array("retry: 250\n\n".utf8)], into: &noData).isEmpty)
        #expect(noData.reconnectionTime == .milliseconds(250))
        var huge = SSEParser()
        _ = parse([Array("retry: 99999999999999999999999\n\n".utf8)], into: &huge)
        #expect((huge.reconnectionTime ?? .zero) > .seconds(1_000_000))
    }

    @Test("end of stream: an unterminated event is dropped; the last event ID and retry stay for the next connection")
    func finish() {
        var parser = SSEParser()
        #expect(parse([Array("retry: 100\nid: 1\ndata: done\n\nid: 2\ndata: partial\n".utf8)], into: &parser)
                == [event("done", id: "1", retry: .milliseconds(100))])
        parser.finish()
        #expect(parser.lastEventID == "1")
        #expect(parser.reconnectionTime == .milliseconds(100))
        // A new connection: the partial event and its id are gone; a BOM may start it again.
        #expect(parse([[0xEF, 0xBB, 0xBF] + Array("data: next\n\n".utf8)], into: &parser) == [event("next", id: "1")])
        var unterminatedLine = SSEParser()
        #expect(parse([Array("data: a\n\ndata: b".utf8)], into: &unterminatedLine) == [event("a")])
        unterminatedLine.finish()
        #expect(parse([Array("\n\n".utf8)], into: &unterminatedLine).isEmpty)
    }

    @Test("invalid UTF-8 becomes U+FFFD; receivedAt is what the caller passed")
    func decoding() {
        var parser = SSEParser()
        let events = parser.feed([UInt8]("data: a".utf8) + [0xFF] + [UInt8]("b\n\n".utf8),
                                 receivedAt: MonotonicInstant(nanoseconds: 7))
        #expect(events.map(\.data) == ["a\u{FFFD}b"])
        #expect(events.first?.receivedAt == MonotonicInstant(nanoseconds: 7))
    }
}
