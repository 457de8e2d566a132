import HeraldTransport
import Synchronization
import Testing

/// How connecting fails, and how the engine ends.
@Suite("WebSocket connect failures and engine lifetime")
struct WebSocketFailureTests {
    @Test("connection refused on a closed port is reported fast, for a name that resolves to two addresses too")
    func refused() async throws {
        let port = try ScriptedServer.closedPort()
        try await withWebSocketEngine { engine in
            for host in ["127.0.0.1", "localhost"] {
                let url = "ws://\(host):\(port)/ws"
                let (error, elapsed) = await timed {
                    await #expect(throws: TransportError.self) {
                        _ = try await engine.connect(WebSocketOptions(url: url, connectTimeout: .seconds(60)))
                    }
                }
                #expect(error?.isConnectionRefused == true, "\(String(describing: error))")
                #expect(error?.description == "cannot connect to \(url): connection refused")
                // A refusal (of both addresses of localhost) must not wait for the 60 s connect timeout.
                #expect(elapsed < .seconds(30), "took \(elapsed)")
            }
        }
    }

    @Test("an unknown host is a DNS failure")
    func dns() async throws {
        try await withWebSocketEngine { engine in
            let error = await #expect(throws: TransportError.self) {
                _ = try await engine.connect(WebSocketOptions(url: "ws://no-such-host.invalid/ws"))
            }
            #expect(error?.isDNSFailure == true, "\(String(describing: error))")
            #expect(error?.description.contains("ws://no-such-host.invalid/ws") == true)
        }
    }

    @Test("URLs that are not ws:// or wss:// and headers with line breaks are rejected before connecting",
          arguments: ["http://127.0.0.1/ws", "ws://", "ws://host:99999/", "127.0.0.1:80/ws"])
    func invalidURL(url: String) async throws {
        try await withWebSocketEngine { engine in
            let error = await #expect(throws: TransportError.self) {
                _ = try await engine.connect(WebSocketOptions(url: url))
            }
            #expect(error?.isInvalidURL == true, "\(String(describing: error))")
        }
    }

    @Test("a header value with a line break is refused (no header injection)")
    func headerInjection() async throws {
        try await withWebSocketEngine { engine in
            let error = await #expect(throws: TransportError.self) {
                _ = try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:9/", headers: [HTTPHeader("X", "a\r\nEvil: 1")]))
            }
            #expect(error?.description.contains("line break") == true)
        }
    }

    @Test("ending the engine closes open connections and finishes their streams; later connects fail")
    func engineShutdown() async throws {
        let server = try ScriptedServer { peer, _ in
            try peer.acceptUpgrade()
            guard peer.waitForEOF() else { throw ScriptFailure("the client never hung up") }
        }
        let (engine, connection) = try await withWebSocketEngine { engine in
            (engine, try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:\(server.port)/")))
        }
        let events = try await allEvents(of: connection, within: .seconds(20))
        let close = try #require(events.last?.closeInfo)
        #expect(close.initiatedLocally)
        #expect(close.code == nil)
        let error = await #expect(throws: TransportError.self) {
            _ = try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:\(server.port)/"))
        }
        #expect(error?.isClosed == true)
        connection.send(text: "ignored after the end")
        connection.close()
        try await server.finish()
    }

    @Test("cancelling the task that connects stops the attempt promptly")
    func cancelConnect() async throws {
        let requested = Atomic<Bool>(false)
        let server = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            requested.store(true, ordering: .releasing)
            _ = peer.waitForEOF()
        }
        try await withWebSocketEngine { engine in
            let port = server.port
            let task = Task {
                try await engine.connect(WebSocketOptions(url: "ws://127.0.0.1:\(port)/", connectTimeout: .seconds(60)))
            }
            // Cancel once the upgrade request is out and the server is sitting on it.
            _ = try await within(.seconds(30), "the upgrade request") {
                while !requested.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(5)) }
                return true
            }
            task.cancel()
            let (result, elapsed) = await timed { await task.result }
            #expect(throws: CancellationError.self) { try result.get() }
            // Against a 60 s connect timeout.
            #expect(elapsed < .seconds(30), "took \(elapsed)")
        }
        try await server.finish()
    }
}
