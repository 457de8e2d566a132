import HeraldCore
import HeraldTransport
import Testing

/// The closing handshake against a server that sends every kind of Close frame (Autobahn category 7): a valid one is
/// answered with the same code and ends the connection cleanly; an invalid one fails it with 1002, or 1007 for a
/// reason that is not UTF-8.
@Suite("WebSocket conformance: Close frames")
struct WebSocketCloseFrameTests {
    /// The server sends a Close frame with `payload`; returns the client's close event and the code the server got.
    static func close(_ payload: [UInt8]) async throws -> ((code: Int?, reason: String, initiatedLocally: Bool), Int?) {
        let (events, code) = try await WebSocketConformanceTests.exchange { peer in
            try peer.sendFrame(opcode: 0x8, payload)
        }
        #expect(events.compactMap(\.message).isEmpty)
        return (try #require(events.last?.closeInfo), code)
    }

    @Test("an empty Close is answered with an empty Close (1005 on both sides): a clean close")
    func empty() async throws {
        let (close, code) = try await Self.close([])
        #expect(close.code == 1005 && !close.initiatedLocally, "\(close)")
        #expect(code == 1005, "the server got an empty Close frame back")
    }

    @Test("a valid close code is answered with the same code: a clean close", arguments: [1000, 1001, 1003, 1007, 1011, 3000, 4000, 4999])
    func valid(status: Int) async throws {
        let (close, code) = try await Self.close(TestPeer.closePayload(status, "bye"))
        #expect(close.code == status && close.reason == "bye" && !close.initiatedLocally, "\(close)")
        #expect(code == status)
    }

    @Test("an invalid close code fails the connection with 1002",
          arguments: [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535])
    func invalidCode(status: Int) async throws {
        let (close, code) = try await Self.close(TestPeer.closePayload(status, "bad"))
        #expect(close.code == 1002, "\(close)")
        #expect(code == 1002, "the server got a Close frame with 1002")
        if status >= 5000 {
            // lws passes these on; Herald names them. Below 5000 lws has already put 1002 in the frame's place.
            #expect(close.initiatedLocally && close.reason == WebSocketViolation.invalidCloseCode(status).description, "\(close)")
        }
    }

    @Test("a 1-byte Close payload fails the connection with 1002")
    func oneByte() async throws {
        let (close, code) = try await Self.close([0x03])
        #expect(close.code == 1002 && close.initiatedLocally && close.reason == WebSocketViolation.closePayloadOneByte.description, "\(close)")
        #expect(code == 1002)
    }

    @Test("a close reason that is not UTF-8 fails the connection with 1007")
    func reasonNotUTF8() async throws {
        let (close, code) = try await Self.close(TestPeer.closePayload(1000, "") + [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xFF])
        #expect(close.code == 1007 && close.initiatedLocally && close.reason == WebSocketViolation.closeReasonNotUTF8.description, "\(close)")
        #expect(code == 1007)
    }

    @Test("which close codes a peer may send (RFC 6455 §7.4)")
    func validCodes() {
        for status in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999] {
            #expect(WebSocketViolation.isValidCloseCode(status), "\(status)")
        }
        for status in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535] {
            #expect(!WebSocketViolation.isValidCloseCode(status), "\(status)")
        }
    }
}
