import HeraldCore
import HeraldTransport
import Synchronization
import Testing

/// What RFC 6455 asks of a client whose server breaks the protocol, against a hand-written server that controls
/// every byte: the connection is failed with the close code the violation calls for, and no bad message reaches the
/// caller.
@Suite("WebSocket conformance: protocol violations fail the connection")
struct WebSocketConformanceTests {
    /// Runs `script` as the server, connects with `options`, and returns the client's events and the close code the
    /// server received (nil when it got none).
    static func exchange(maxMessageSize: Int = WebSocketOptions.defaultMaxMessageSize,
                         _ script: @escaping @Sendable (TestPeer) throws -> Void) async throws -> ([WebSocketEvent], Int?) {
        let received = CloseBox()
        let server = try ScriptedServer { peer, _ in
            try peer.acceptUpgrade()
            try script(peer)
            // Read until the client's Close frame (or the end of the connection).
            while let frame = try? peer.readFrame() {
                if frame.opcode == 0x8 {
                    received.code.withLock { $0 = frame.payload.count >= 2 ? Int(frame.payload[0]) << 8 | Int(frame.payload[1]) : 1005 }
                    break
                }
            }
        }
        let events = try await withWebSocketEngine { engine in
            let connection = try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:\(server.port)/",
                                                                       maxMessageSize: maxMessageSize))
            return try await allEvents(of: connection)
        }
        try await server.finish()
        return (events, received.code.withLock { $0 })
    }

    @Test("invalid UTF-8 in a text message fails the connection with 1007; nothing is delivered")
    func invalidUTF8() async throws {
        let (events, code) = try await Self.exchange { peer in
            try peer.sendFrame(opcode: 0x1, Array("ok".utf8))
            try peer.sendFrame(opcode: 0x1, [0x68, 0x69, 0xFF, 0xFE])
        }
        #expect(events.compactMap(\.message).map(\.text) == ["ok"])
        let close = try #require(events.last?.closeInfo)
        #expect(close.code == 1007 && close.reason == "invalid UTF-8 in a text message" && close.initiatedLocally)
        #expect(code == 1007, "the server got a Close frame with 1007")
    }

    @Test("UTF-8 split across fragments: a character cut in two is fine; an invalid sequence across them is 1007")
    func fragmentedUTF8() async throws {
        let euro = Array("€".utf8)  // E2 82 AC
        let (good, _) = try await Self.exchange { peer in
            try peer.sendFrame(opcode: 0x1, [0x61] + euro.prefix(1), fin: false)
            try peer.sendFrame(opcode: 0x0, Array(euro.dropFirst()), fin: true)
            try peer.sendFrame(opcode: 0x8, TestPeer.closePayload(1000, ""))
        }
        #expect(good.compactMap(\.message).map(\.text) == ["a€"])
        let (bad, code) = try await Self.exchange { peer in
            try peer.sendFrame(opcode: 0x1, [0x61, 0xE2], fin: false)
            try peer.sendFrame(opcode: 0x0, [0x28, 0xA1], fin: true)
        }
        #expect(bad.compactMap(\.message).isEmpty)
        #expect(bad.last?.closeInfo?.code == 1007 && code == 1007)
    }

    @Test("a ping inside a fragmented message is answered, and the message is whole")
    func pingBetweenFragments() async throws {
        let (events, _) = try await Self.exchange { peer in
            try peer.sendFrame(opcode: 0x1, Array("hel".utf8), fin: false)
            try peer.sendFrame(opcode: 0x9, Array("p".utf8))
            let pong = try peer.readFrame()
            guard pong.opcode == 0xA, pong.payload == Array("p".utf8) else { throw ScriptFailure("expected the pong, got \(pong.opcode)") }
            try peer.sendFrame(opcode: 0x0, Array("lo".utf8), fin: true)
            try peer.sendFrame(opcode: 0x8, TestPeer.closePayload(1000, ""))
        }
        #expect(events.compactMap(\.message).map(\.text) == ["hello"])
    }

    @Test("a message over max_message_size fails the connection with 1009, whole or in fragments; one at the limit passes")
    func tooBig() async throws {
        let (whole, code) = try await Self.exchange(maxMessageSize: 1024) { peer in
            try peer.sendFrame(opcode: 0x2, [UInt8](repeating: 7, count: 1024))
            try peer.sendFrame(opcode: 0x2, [UInt8](repeating: 7, count: 1025))
        }
        #expect(whole.compactMap(\.message).map(\.bytes.count) == [1024])
        #expect(whole.last?.closeInfo?.code == 1009 && code == 1009)
        let (pieces, _) = try await Self.exchange(maxMessageSize: 1024) { peer in
            for i in 0..<3 { try peer.sendFrame(opcode: i == 0 ? 0x2 : 0x0, [UInt8](repeating: 1, count: 400), fin: i == 2) }
        }
        #expect(pieces.compactMap(\.message).isEmpty)
        #expect(pieces.last?.closeInfo?.code == 1009)
    }
}

/// The close code a server script received.
private final class CloseBox: Sendable {
    let code = Mutex<Int?>(nil)
}
