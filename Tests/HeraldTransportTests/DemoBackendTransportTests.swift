import Foundation
import HeraldDemoBackend
import HeraldTransport
import Testing

/// Both clients against the bundled demo backend (Hummingbird): an independent HTTP and WebSocket implementation.
@Suite("Transport against the demo backend")
struct DemoBackendTransportTests {
    /// Creates a user and returns its token.
    private static func createUser(_ client: HTTPClient, base: String, role: String = "buyer") async throws -> String {
        let response = try await client.send(HTTPRequest(
            method: "POST", url: "\(base)/test/users",
            headers: [HTTPHeader("Content-Type", "application/json")], body: Array(#"{"role":"\#(role)"}"#.utf8)))
        try #require(response.status == 201, "POST /test/users: \(response.status) \(response.text)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        #expect(json["id"] is String)
        return try #require(json["token"] as? String)
    }

    private static func webSocketURL(_ base: String) -> String {
        base.replacingOccurrences(of: "http://", with: "ws://") + "/ws/notifications"
    }

    @Test("HTTP GET and POST: status, headers in order, body, timings and monotonic stamps")
    func http() async throws {
        try await DemoBackend.withRunningBackend { base in
            let client = HTTPClient()
            let health = try await client.send(HTTPRequest(url: "\(base)/health"))
            #expect(health.status == 200)
            #expect(health.header("content-type")?.contains("application/json") == true)
            #expect(health.header("CONTENT-LENGTH") == String(health.body.count))
            #expect(health.text.contains("ok"))
            #expect(health.timings.connect > 0)
            #expect(health.timings.firstByte >= health.timings.connect)
            #expect(health.timings.total >= health.timings.firstByte)
            #expect(health.timings.total > 0)
            #expect(health.timings.tls == 0)
            #expect(health.startedAt < health.finishedAt)
            #expect(health.startedAt.duration(to: health.finishedAt).seconds >= health.timings.total * 0.5)

            let token = try await Self.createUser(client, base: base)
            #expect(!token.isEmpty)

            let missing = try await client.send(HTTPRequest(method: "DELETE", url: "\(base)/test/users/nobody"))
            #expect(missing.status == 404)
        }
    }

    @Test("WebSocket: connect with a bearer token, subscribe, receive the acknowledgement")
    func subscribe() async throws {
        try await DemoBackend.withRunningBackend { base in
            let token = try await Self.createUser(HTTPClient(), base: base)
            try await withWebSocketEngine { engine in
                let connection = try await engine.connect(WebSocketOptions(
                    url: Self.webSocketURL(base), headers: [HTTPHeader("Authorization", "Bearer \(token)")]))
                connection.send(text: #"{"action":"subscribe"}"#)
                let ack: String? = try await within(.seconds(5), "the subscription acknowledgement") { () -> String? in
                    for await event in connection.events {
                        if let text = event.message?.text { return text }
                    }
                    return nil
                }
                let json = try #require(try JSONSerialization.jsonObject(with: Data((ack ?? "").utf8)) as? [String: Any])
                #expect(json["type"] as? String == "subscribed")
                connection.close()
                let rest = try await allEvents(of: connection)
                #expect(rest.last?.closeInfo?.initiatedLocally == true)
                #expect(rest.last?.closeInfo?.code == 1000)
            }
        }
    }

    @Test("WebSocket: an invalid token is refused with 401")
    func invalidToken() async throws {
        try await DemoBackend.withRunningBackend { base in
            try await withWebSocketEngine { engine in
                let error = await #expect(throws: TransportError.self) {
                    _ = try await engine.connect(WebSocketOptions(
                        url: Self.webSocketURL(base), headers: [HTTPHeader("Authorization", "Bearer not-a-token")]))
                }
                #expect(error?.upgradeStatus == 401, "\(String(describing: error))")
                #expect(error?.description.contains("401") == true)
            }
        }
    }

    @Test("WebSocket: POST /test/ws/drop ends the connection with .closed and finishes the stream")
    func drop() async throws {
        try await DemoBackend.withRunningBackend { base in
            let client = HTTPClient()
            let token = try await Self.createUser(client, base: base)
            try await withWebSocketEngine { engine in
                let connection = try await engine.connect(WebSocketOptions(
                    url: Self.webSocketURL(base), headers: [HTTPHeader("Authorization", "Bearer \(token)")]))
                connection.send(text: #"{"action":"subscribe"}"#)
                let events = try await within(.seconds(5), "the drop") {
                    var events: [WebSocketEvent] = []
                    for await event in connection.events {
                        events.append(event)
                        if event.message != nil {
                            _ = try await client.send(HTTPRequest(method: "POST", url: "\(base)/test/ws/drop"))
                        }
                    }
                    return events
                }
                let close = try #require(events.last?.closeInfo)
                #expect(!close.initiatedLocally)
                #expect(close.code == nil || close.code == 1006 || close.code == 1000 || close.code == 1001,
                        "\(String(describing: close.code))")
            }
        }
    }

    @Test("HTTP: a refused connection is reported fast")
    func httpRefused() async throws {
        let port = try ScriptedServer.closedPort()
        let url = "http://127.0.0.1:\(port)/health"
        let (error, elapsed) = await timed {
            await #expect(throws: TransportError.self) {
                _ = try await HTTPClient().send(HTTPRequest(url: url, timeout: .seconds(60)))
            }
        }
        #expect(error?.isConnectionRefused == true, "\(String(describing: error))")
        #expect(error?.description == "cannot connect to \(url): connection refused")
        // A refusal taken for a silent server would wait the whole 60 s request timeout.
        #expect(elapsed < .seconds(30), "took \(elapsed)")
    }

    @Test("200 WebSocket connections on one engine all subscribe and get their acknowledgement")
    func manyConnections() async throws {
        try await DemoBackend.withRunningBackend { base in
            let client = HTTPClient()
            let token = try await Self.createUser(client, base: base)
            try await withWebSocketEngine { engine in
                let count = 200
                let acks = try await within(.seconds(20), "\(count) acknowledgements") {
                    try await withThrowingTaskGroup(of: Bool.self) { group in
                        for _ in 0..<count {
                            group.addTask {
                                let connection = try await engine.connect(WebSocketOptions(
                                    url: Self.webSocketURL(base), headers: [HTTPHeader("Authorization", "Bearer \(token)")]))
                                connection.send(text: #"{"action":"subscribe"}"#)
                                var acked = false
                                for await event in connection.events {
                                    if event.message?.text?.contains("subscribed") == true {
                                        acked = true
                                        connection.close()
                                    }
                                }
                                return acked
                            }
                        }
                        return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
                    }
                }
                #expect(acks == count)
            }
        }
    }
}
