import HeraldCore
import HeraldTransport
import Testing

/// The WebSocket client against a hand-written POSIX server that controls every byte on the wire.
@Suite("WebSocket framing against a raw TCP server")
struct WebSocketFramingTests {
    @Test("handshake headers and subprotocol go out; fragments, a large frame and interleaved pings are handled")
    func fragmentsAndPings() async throws {
        let big = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let server = try ScriptedServer { peer, _ in
            let headers = try peer.acceptUpgrade(subprotocol: true)
            guard headers["authorization"] == "Bearer t0k3n", headers["x-actor"] == "seller[1]" else {
                throw ScriptFailure("custom headers missing: \(headers)")
            }
            guard headers["host"]?.hasPrefix("127.0.0.1:") == true else {
                throw ScriptFailure("bad Host header: \(headers["host"] ?? "none")")
            }
            // "Hello, wörld" in three frames, the "ö" split across two of them, with a ping in between.
            let text = Array("Hello, wörld".utf8)
            try peer.sendFrame(opcode: 0x1, Array(text[0..<3]), fin: false)
            try peer.sendFrame(opcode: 0x9, Array("p1".utf8))
            try peer.sendFrame(opcode: 0x0, Array(text[3..<9]), fin: false)
            try peer.sendFrame(opcode: 0x0, Array(text[9...]), fin: true)
            // One 100 kB binary frame: arrives in many receive callbacks.
            try peer.sendFrame(opcode: 0x2, big)
            let pong = try peer.readFrame()
            guard pong.opcode == 0xA, pong.payload == Array("p1".utf8) else {
                throw ScriptFailure("expected pong p1, got opcode \(pong.opcode) \(pong.payload)")
            }
            let reply = try peer.readFrame()
            guard reply.opcode == 0x1, reply.fin, String(decoding: reply.payload, as: UTF8.self) == "thanks" else {
                throw ScriptFailure("expected text 'thanks', got opcode \(reply.opcode)")
            }
            try peer.sendFrame(opcode: 0x8, TestPeer.closePayload(4001, "bye"))
            let echo = try peer.readFrame()
            guard echo.opcode == 0x8 else { throw ScriptFailure("expected the close echo, got opcode \(echo.opcode)") }
        }
        try await withWebSocketEngine { engine in
            // Frames can arrive (and be stamped) before connect() returns to this task.
            let before = MonotonicInstant.now()
            let connection = try await engine.connect(WebSocketOptions(
                url: "ws://127.0.0.1:\(server.port)/feed?x=1",
                headers: [HTTPHeader("Authorization", "Bearer t0k3n"), HTTPHeader("X-Actor", "seller[1]")],
                subprotocol: "herald.v1"))
            #expect(connection.handshakeStatus == 101)
            #expect(connection.subprotocol == "herald.v1")
            let events = try await within(.seconds(5), "messages and close") {
                var events: [WebSocketEvent] = []
                for await event in connection.events {
                    events.append(event)
                    if events.compactMap(\.message).count == 2, event.message != nil {
                        connection.send(text: "thanks")
                    }
                }
                return events
            }
            let messages = events.compactMap(\.message)
            try #require(messages.count == 2)
            #expect(messages[0].isText)
            #expect(messages[0].text == "Hello, wörld")
            #expect(!messages[1].isText)
            #expect(messages[1].text == nil)
            #expect(messages[1].bytes == big)
            #expect(messages.allSatisfy { $0.receivedAt >= before && $0.receivedAt <= MonotonicInstant.now() })
            #expect(messages[0].receivedAt <= messages[1].receivedAt)
            let close = try #require(events.last?.closeInfo)
            #expect(close.code == 4001)
            #expect(close.reason == "bye")
            #expect(!close.initiatedLocally)
        }
        try await server.finish()
    }

    @Test("the handshake names Herald (User-Agent: herald/<version>) unless the caller set a User-Agent")
    func userAgent() async throws {
        let server = try ScriptedServer(connections: 2) { peer, index in
            let headers = try peer.acceptUpgrade()
            let expected = index == 0 ? "herald/\(HeraldVersion.version)" : "my-client/2"
            guard headers["user-agent"] == expected else { throw ScriptFailure("User-Agent \(headers["user-agent"] ?? "none"), not \(expected)") }
            try peer.sendFrame(opcode: 0x8, TestPeer.closePayload(1000, ""))
            _ = try? peer.readFrame()
        }
        try await withWebSocketEngine { engine in
            for headers in [[], [HTTPHeader("User-Agent", "my-client/2")]] {
                let connection = try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:\(server.port)/", headers: headers))
                _ = try await allEvents(of: connection)
            }
        }
        try await server.finish()
    }

    @Test("a TCP drop without a close frame ends the stream with .closed(code: nil)")
    func drop() async throws {
        let server = try ScriptedServer { peer, _ in
            try peer.acceptUpgrade()
            try peer.sendFrame(opcode: 0x1, Array("last words".utf8))
        }
        try await withWebSocketEngine { engine in
            let connection = try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:\(server.port)/"))
            let events = try await allEvents(of: connection)
            try #require(events.count == 2)
            #expect(events[0].message?.text == "last words")
            let close = try #require(events[1].closeInfo)
            #expect(close.code == nil)
            #expect(!close.initiatedLocally)
        }
        try await server.finish()
    }

    @Test("ping gets a pong; close sends code and reason once, and nothing is sent after it")
    func pingAndLocalClose() async throws {
        let server = try ScriptedServer { peer, _ in
            try peer.acceptUpgrade()
            let ping = try peer.readFrame()
            guard ping.opcode == 0x9 else { throw ScriptFailure("expected a ping, got opcode \(ping.opcode)") }
            try peer.sendFrame(opcode: 0xA, ping.payload)
            let first = try peer.readFrame()
            guard first.opcode == 0x1, first.payload == Array("before".utf8) else {
                throw ScriptFailure("expected 'before', got opcode \(first.opcode)")
            }
            let close = try peer.readFrame()
            guard close.opcode == 0x8, close.payload == TestPeer.closePayload(4000, "done") else {
                throw ScriptFailure("expected close 4000 done, got opcode \(close.opcode) \(close.payload)")
            }
            try peer.sendFrame(opcode: 0x8, close.payload)
            guard peer.waitForEOF() else { throw ScriptFailure("the client did not hang up after the close") }
        }
        try await withWebSocketEngine { engine in
            let connection = try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:\(server.port)/"))
            connection.ping()
            let events = try await within(.seconds(5), "pong and close") {
                var events: [WebSocketEvent] = []
                for await event in connection.events {
                    events.append(event)
                    if event.isPong {
                        connection.send(text: "before")
                        connection.close(code: 4000, reason: "done")
                        connection.close(code: 4999, reason: "ignored")
                        connection.send(text: "after")
                    }
                }
                return events
            }
            try #require(events.count == 2)
            #expect(events[0].isPong)
            let close = try #require(events[1].closeInfo)
            #expect(close.code == 4000)
            #expect(close.reason == "done")
            #expect(close.initiatedLocally)
        }
        try await server.finish()
    }

    @Test("a refused upgrade throws upgradeRefused with the HTTP status", arguments: [401, 403, 404])
    func refusedUpgrade(status: Int) async throws {
        let server = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            try peer.write("HTTP/1.1 \(status) No\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno")
        }
        let url = "ws://user:s3cret@127.0.0.1:\(server.port)/ws"
        try await withWebSocketEngine { engine in
            let error = try await #require(throws: TransportError.self) {
                _ = try await engine.connect(WebSocketOptions(url: url))
            }
            #expect(error.upgradeStatus == status)
            #expect(error.isInfrastructure)
            #expect(error.description.contains("HTTP \(status)"))
            #expect(error.description.contains("ws://user:***@127.0.0.1:\(server.port)/ws"))
            #expect(!error.description.contains("s3cret"))
        }
        try await server.finish()
    }

    @Test("a server that accepts TCP but never answers the upgrade hits the connect timeout, which says so")
    func upgradeTimeout() async throws {
        let server = try ScriptedServer.silent()
        let url = "ws://127.0.0.1:\(server.port)/"
        try await withWebSocketEngine { engine in
            let (error, elapsed) = await timed {
                await #expect(throws: TransportError.self) {
                    _ = try await engine.connect(WebSocketOptions(url: url, connectTimeout: .seconds(1)))
                }
            }
            #expect(error?.isTimeout == true, "\(String(describing: error))")
            #expect(error?.description == "\(url): timed out after 1 s (the server accepted the connection but never answered the WebSocket upgrade)")
            #expect(error?.exitStatus == .infrastructure)
            #expect(elapsed >= .milliseconds(990))
            // The server holds the connection for 30 s.
            #expect(elapsed < .seconds(10), "a hang, not a 1 s timeout: \(elapsed)")
        }
        try await server.finish()
    }
}
