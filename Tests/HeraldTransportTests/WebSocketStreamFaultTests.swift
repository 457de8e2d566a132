import Foundation
import HeraldCore
import HeraldTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A server whose bytes come slowly, stop, or are wrong from the start (Autobahn's slow-delivery cases and the
/// opening handshake, RFC 6455 §4.1): what arrives whole is delivered whole, and every failure says what happened.
@Suite("WebSocket conformance: trickling, reset and broken handshakes")
struct WebSocketStreamFaultTests {
    @Test("frames written one byte at a time are assembled: a whole message, a fragmented one, a ping between")
    func trickle() async throws {
        let (events, _) = try await WebSocketConformanceTests.exchange { peer in
            let bytes = TestPeer.frame(opcode: 0x1, Array("trickled €".utf8))
                + TestPeer.frame(opcode: 0x2, [UInt8](repeating: 9, count: 300), fin: false)
                + TestPeer.frame(opcode: 0x9, [])
                + TestPeer.frame(opcode: 0x0, [1, 2, 3], fin: true)
                + TestPeer.frame(opcode: 0x8, TestPeer.closePayload(1000, ""))
            for byte in bytes {
                try peer.write([byte])
                usleep(1_000)  // A TCP segment of its own (TCP_NODELAY): lws reads it alone.
            }
        }
        let messages = events.compactMap(\.message)
        #expect(messages.map(\.text) == ["trickled €", nil])
        #expect(messages.last?.bytes == [UInt8](repeating: 9, count: 300) + [1, 2, 3])
        #expect(events.last?.closeInfo?.code == 1000)
    }

    @Test("a TCP reset in the middle of a frame ends the connection with a reason that says so; nothing is delivered")
    func resetMidFrame() async throws {
        let server = try ScriptedServer { peer, _ in
            try peer.acceptUpgrade()
            let frame = TestPeer.frame(opcode: 0x1, [UInt8](repeating: 0x61, count: 200))
            try peer.write(Array(frame.prefix(60)))
            usleep(50_000)  // Let the client read the half frame first: the reset then comes mid-frame.
            peer.reset()
        }
        try await withWebSocketEngine { engine in
            let connection = try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:\(server.port)/"))
            let events = try await allEvents(of: connection)
            #expect(events.compactMap(\.message).isEmpty)
            let close = try #require(events.last?.closeInfo)
            #expect(close.code == nil && !close.initiatedLocally)
            #expect(close.reason.hasPrefix("connection lost: the server reset it (TCP RST)"), "\(close.reason)")
        }
        try await server.finish()
    }

    /// Upgrade responses that are not a WebSocket handshake, and what the error must say about each.
    static let wrongHandshakes: [(response: String, says: String)] = [
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
         "the server's Sec-WebSocket-Accept does not match the key sent (RFC 6455 §4.1)"),
        ("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n",
         "the upgrade response has no Upgrade: websocket header (RFC 6455 §4.1)"),
        ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
         "the upgrade response has no Sec-WebSocket-Accept header (RFC 6455 §4.1)"),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
         "the server refused the WebSocket upgrade with HTTP 200"),
    ]

    @Test("a wrong upgrade response (bad Sec-WebSocket-Accept, no Upgrade header, no Accept, not 101) fails the connect and names what is wrong",
          arguments: 0..<wrongHandshakes.count)
    func wrongHandshake(_ index: Int) async throws {
        let (response, says) = Self.wrongHandshakes[index]
        let server = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            try peer.write(response)
            _ = peer.waitForEOF()
        }
        try await withWebSocketEngine { engine in
            let error = try await #require(throws: TransportError.self) {
                _ = try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:\(server.port)/", connectTimeout: .seconds(20)))
            }
            #expect(error.description.contains(says), "\(error)")
            #expect(!error.isTimeout, "\(error)")
            #expect(error.exitStatus == .infrastructure)
        }
        try await server.finish()
    }
}
