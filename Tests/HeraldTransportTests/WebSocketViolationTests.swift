import HeraldCore
import HeraldTransport
import Testing

/// Frames RFC 6455 forbids a server to send (the framing categories of the Autobahn suite: 1.x–5.x): the client
/// fails the connection with 1002 and a reason naming the violation, and nothing from the bad frame on is delivered.
@Suite("WebSocket conformance: framing violations fail the connection with 1002")
struct WebSocketViolationTests {
    /// Sends a good message, then `bad`; checks that only the good message arrived, that the connection ended from
    /// the client's side with 1002 and the description of `violation`, and that the server got a Close with 1002.
    ///
    /// lws formats its log lines, where Herald learns which rule a frame broke, in one static buffer: another test's
    /// engine logging at the same instant can overwrite the line, and the connection is then failed as
    /// `rejectedFrame`, or with the rule the other engine's frame broke. (A run has one engine, so it is never
    /// confused so; the tests run many at once.) Such an attempt is repeated (at most 5); every attempt must still
    /// fail with 1002 and some violation's reason.
    static func expectFailure(_ violation: WebSocketViolation, sourceLocation: Testing.SourceLocation = #_sourceLocation,
                              _ bad: @escaping @Sendable (TestPeer) throws -> Void) async throws {
        for _ in 1...5 {
            let (events, code) = try await WebSocketConformanceTests.exchange { peer in
                try peer.sendFrame(opcode: 0x1, Array("ok".utf8))
                try bad(peer)
            }
            #expect(events.compactMap(\.message).map(\.text) == ["ok"], "nothing after the bad frame is delivered",
                    sourceLocation: sourceLocation)
            let close = try #require(events.last?.closeInfo, sourceLocation: sourceLocation)
            #expect(close.code == 1002 && close.initiatedLocally, "\(close)", sourceLocation: sourceLocation)
            #expect(code == 1002, "the server got a Close frame with 1002", sourceLocation: sourceLocation)
            if close.reason == violation.description { return }
            #expect(close.reason.hasSuffix("(RFC 6455 §5.2)") || close.reason.hasSuffix("(RFC 6455 §5.4)")
                        || close.reason.hasSuffix("(RFC 6455 §5.5)") || close.reason == WebSocketViolation.rejectedFrame.description,
                     "\(close.reason)", sourceLocation: sourceLocation)
        }
        Issue.record("5 attempts in a row did not name the violation: \(violation)", sourceLocation: sourceLocation)
    }

    @Test("RSV1, RSV2 or RSV3 set without a negotiated extension (§5.2)", arguments: [UInt8(0x40), 0x20, 0x10, 0x70])
    func reservedBits(rsv: UInt8) async throws {
        try await Self.expectFailure(.reservedBits) { peer in
            try peer.write(TestPeer.frame(opcode: 0x1, Array("bad".utf8), rsv: rsv))
        }
    }

    @Test("a reserved opcode (§5.2)", arguments: [UInt8(3), 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF])
    func reservedOpcode(opcode: UInt8) async throws {
        try await Self.expectFailure(.reservedOpcode) { peer in
            try peer.sendFrame(opcode: opcode, Array("bad".utf8))
        }
    }

    @Test("a continuation frame with nothing to continue (§5.4)")
    func orphanContinuation() async throws {
        try await Self.expectFailure(.orphanContinuation) { peer in
            try peer.sendFrame(opcode: 0x0, Array("bad".utf8), fin: true)
        }
    }

    @Test("a new text or binary frame inside a fragmented message (§5.4)", arguments: [UInt8(0x1), 0x2])
    func newMessageInsideFragmented(opcode: UInt8) async throws {
        try await Self.expectFailure(.newMessageInsideFragmented) { peer in
            try peer.sendFrame(opcode: 0x1, Array("frag".utf8), fin: false)
            try peer.sendFrame(opcode: opcode, Array("bad".utf8), fin: true)
        }
    }

    @Test("a fragmented control frame (§5.5)", arguments: [UInt8(0x8), 0x9, 0xA])
    func fragmentedControl(opcode: UInt8) async throws {
        try await Self.expectFailure(.fragmentedControl) { peer in
            try peer.sendFrame(opcode: opcode, opcode == 0x8 ? TestPeer.closePayload(1000, "") : [], fin: false)
        }
    }

    @Test("a control frame with a payload over 125 bytes (§5.5)", arguments: [UInt8(0x8), 0x9, 0xA])
    func controlTooLong(opcode: UInt8) async throws {
        try await Self.expectFailure(.controlTooLong) { peer in
            try peer.sendFrame(opcode: opcode, [UInt8](repeating: 0x61, count: 126))
        }
    }

    @Test("a 64-bit payload length with its most significant bit set (§5.2)")
    func lengthTooLarge() async throws {
        try await Self.expectFailure(.lengthTooLarge) { peer in
            try peer.write([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1])
        }
    }

    @Test("a masked frame (§5.1)")
    func masked() async throws {
        // libwebsockets 4.1.6 does not check the mask bit of what a server sends: it unmasks the frame and delivers
        // it, and no callback or flag says it was masked (lws 4.3.3 and later fail the connection with 1002 "srv
        // mask"). Known until Herald runs on such an lws or reads the frame header itself.
        await withKnownIssue("libwebsockets 4.1.6 accepts masked frames from a server", isIntermittent: false) {
            let (events, code) = try await WebSocketConformanceTests.exchange { peer in
                try peer.write(TestPeer.frame(opcode: 0x1, Array("masked".utf8), mask: [1, 2, 3, 4]))
                try peer.sendFrame(opcode: 0x8, TestPeer.closePayload(1000, ""))
            }
            #expect(events.compactMap(\.message).isEmpty, "the masked frame is not delivered")
            #expect(events.last?.closeInfo?.code == 1002 && code == 1002)
        }
    }

    @Test("each violation is a transport failure (exit 3) whose message names the rule; the close code fits it")
    func diagnosis() {
        let all: [WebSocketViolation] = [.masked, .reservedBits, .reservedOpcode, .orphanContinuation, .newMessageInsideFragmented,
                                         .fragmentedControl, .controlTooLong, .lengthTooLarge, .rejectedFrame, .closePayloadOneByte,
                                         .invalidCloseCode(5000), .closeReasonNotUTF8]
        for violation in all {
            #expect(violation.description.contains("RFC 6455 §"), "\(violation)")
            #expect(violation.description.utf8.count <= 123, "it fits in a Close frame: \(violation)")
            #expect(violation.exitStatus == .infrastructure)
            #expect(violation.hint != nil)
        }
        #expect(WebSocketViolation.masked.description == "server sent a masked frame (RFC 6455 §5.1)")
        #expect(WebSocketViolation.closeReasonNotUTF8.closeCode == 1007)
        #expect(WebSocketViolation.messageTooBig(limit: 10).closeCode == 1009)
        #expect(WebSocketViolation.invalidCloseCode(1004).closeCode == 1002)
    }
}
