import HeraldCore
import HeraldTransport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The SSE stream against scripted HTTP servers on loopback ports.
@Suite("SSE stream against scripted HTTP servers")
struct SSETests {
    /// A 200 event-stream response head, read until the connection closes.
    static func head(_ extra: String = "") -> String {
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n\(extra)\r\n"
    }

    @Test("events with multi-line data, names, ids and retry, sent in odd pieces; the request asks for an event stream")
    func events() async throws {
        let server = try ScriptedServer { peer, _ in
            let (line, headers) = try peer.readRequestHead()
            guard line == "GET /events?topic=a HTTP/1.1" else { throw ScriptFailure("request line: \(line)") }
            guard headers["accept"] == "text/event-stream", headers["cache-control"] == "no-cache" else {
                throw ScriptFailure("headers: \(headers)")
            }
            guard headers["last-event-id"] == nil else { throw ScriptFailure("unexpected Last-Event-ID") }
            try peer.write(Self.head())
            try peer.write(": hello\n\nretry: 2000\nevent: order.created\nid: 1\ndata: {\"id\":1,\n")
            usleep(20_000)
            try peer.write("data:  \"total\":5}\r\n\r\nid: 2\ndata: second\r")
            usleep(20_000)
            try peer.write("\n\r\nevent: ping\n\ndata: thi")
            usleep(20_000)
            try peer.write("rd\n\n")
            _ = peer.waitForEOF()
        }
        let url = "http://127.0.0.1:\(server.port)/events?topic=a"
        try await withSSEStream(SSEOptions(url: url, reconnect: false)) { stream in
            #expect(stream.url == url)
            let log = StreamRecorder(stream.events)
            let events = try await log.wait(for: "three events") { $0.sseEvents.count == 3 }.sseEvents
            #expect(events.map(\.event) == ["order.created", "message", "message"])
            #expect(events.map(\.data) == ["{\"id\":1,\n \"total\":5}", "second", "third"])
            #expect(events.map(\.id) == ["1", "2", "2"])
            #expect(events.map(\.retry) == [.seconds(2), nil, nil])
            #expect(zip(events, events.dropFirst()).allSatisfy { $0.receivedAt < $1.receivedAt })
            #expect(stream.lastEventID == "2")
        }
        try await server.finish()
    }

    @Test("the server drops the connection: disconnected, reconnect after its retry with Last-Event-ID, reconnected")
    func reconnect() async throws {
        let server = try ScriptedServer(connections: 3) { peer, index in
            let (_, headers) = try peer.readRequestHead()
            switch index {
            case 0:
                guard headers["last-event-id"] == "start-5" else { throw ScriptFailure("first: \(headers)") }
                try peer.write(Self.head() + "retry: 100\nid: 7\nevent: tick\ndata: one\n\nid: 8\ndata: unfinished\n")
            case 1:
                // The unfinished event's id never counted.
                guard headers["last-event-id"] == "7" else { throw ScriptFailure("second: \(headers)") }
                try peer.write("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy")
            default:
                guard headers["last-event-id"] == "7" else { throw ScriptFailure("third: \(headers)") }
                try peer.write(Self.head() + "id: 9\ndata: two\n\n")
                _ = peer.waitForEOF()
            }
        }
        let options = SSEOptions(url: "http://127.0.0.1:\(server.port)/s", lastEventID: "start-5")
        try await withSSEStream(options) { stream in
            let log = StreamRecorder(stream.events)
            // The third connection stays open until the client closes it, so nothing can follow the second event.
            let items = try await log.wait(for: "the event after the reconnect", timeout: .seconds(20)) {
                $0.sseEvents.count == 2
            }
            #expect(items.map(\.kind) == ["event", "disconnected", "reconnected", "event"], "\(items.map(\.kind))")
            #expect(items.sseEvents.map(\.data) == ["one", "two"])
            #expect(items.sseEvents.map(\.id) == ["7", "9"])
            if case .disconnected(let reason, let down)? = items.first(where: { $0.kind == "disconnected" }),
               case .reconnected(let back)? = items.first(where: { $0.kind == "reconnected" }) {
                #expect(reason == "the server ended the stream")
                // Two waits of the server's 100 ms retry (the 503 in between).
                #expect(down.duration(to: back) >= .milliseconds(180), "\(down.duration(to: back))")
            }
            #expect(stream.lastEventID == "9")
        }
        try await server.finish()
    }

    @Test("custom headers (credentials) are sent, and may replace a default")
    func customHeaders() async throws {
        let server = try ScriptedServer { peer, _ in
            let (_, headers) = try peer.readRequestHead()
            guard headers["authorization"] == "Bearer t0ken", headers["x-tenant"] == "acme",
                  headers["cache-control"] == "max-age=0", headers["accept"] == "text/event-stream" else {
                throw ScriptFailure("headers: \(headers)")
            }
            try peer.write(Self.head() + "data: authorised\n\n")
            _ = peer.waitForEOF()
        }
        let options = SSEOptions(url: "http://127.0.0.1:\(server.port)/",
                                 headers: [HTTPHeader("Authorization", "Bearer t0ken"), HTTPHeader("X-Tenant", "acme"),
                                           HTTPHeader("Cache-Control", "max-age=0")])
        try await withSSEStream(options) { stream in
            let log = StreamRecorder(stream.events)
            let events = try await log.wait(for: "the event") { $0.sseEvents.count == 1 }.sseEvents
            #expect(events.first?.data == "authorised")
        }
        try await server.finish()
    }

    @Test("a 401 is an error naming the status and the start of the body, with the password masked")
    func unauthorized() async throws {
        let body = "{\"error\":\"invalid token\"}"
        let server = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            try peer.write("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
                           + "Content-Length: \(body.utf8.count)\r\n\r\n\(body)")
            _ = peer.waitForEOF()
        }
        let error = await #expect(throws: SSEError.self) {
            _ = try await SSEStream.open(SSEOptions(url: "http://user:pa55word@127.0.0.1:\(server.port)/events"))
        }
        #expect(error?.status == 401)
        #expect(error?.bodyStart == body)
        #expect(error?.description == "http://user:***@127.0.0.1:\(server.port)/events: the server answered HTTP 401 "
                + "instead of an event stream: \(body)")
        try await server.finish()

        // A body that does not end: its first 512 bytes, without waiting for the rest.
        let endless = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            try peer.write("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\n"
                           + String(repeating: "x", count: 2000))
            _ = peer.waitForEOF()
        }
        let (big, elapsed) = await timed {
            await #expect(throws: SSEError.self) {
                _ = try await SSEStream.open(SSEOptions(url: "http://127.0.0.1:\(endless.port)/"))
            }
        }
        #expect(big?.status == 500)
        #expect(big?.bodyStart?.count == 512)
        // The server sends no more and holds the connection for 30 s: waiting for the body's end would take that.
        #expect(elapsed < .seconds(15), "the first 512 bytes must not wait for the rest of the body: \(elapsed)")
        try await endless.finish()
    }

    @Test("a 200 with another content type is an error naming it")
    func wrongContentType() async throws {
        let server = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            try peer.write("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 13\r\n\r\n<html></html>")
            _ = peer.waitForEOF()
        }
        let error = await #expect(throws: SSEError.self) {
            _ = try await SSEStream.open(SSEOptions(url: "http://127.0.0.1:\(server.port)/"))
        }
        #expect(error?.isWrongContentType == true, "\(String(describing: error))")
        #expect(error?.description.contains("Content-Type text/html, not text/event-stream") == true)
        try await server.finish()
    }

    @Test("a refused port fails fast; a bad URL and a silent server fail with what happened")
    func connectFailures() async throws {
        let port = try ScriptedServer.closedPort()
        // A long connect timeout: a refusal taken for a silent server would wait all of it.
        let (refused, elapsed) = await timed {
            await #expect(throws: SSEError.self) {
                _ = try await SSEStream.open(SSEOptions(url: "http://127.0.0.1:\(port)/events", connectTimeout: .seconds(60)))
            }
        }
        #expect(refused?.isConnectionRefused == true, "\(String(describing: refused))")
        #expect(refused?.description == "cannot connect to http://127.0.0.1:\(port)/events: connection refused")
        #expect(elapsed < .seconds(30), "a refusal must not wait for the 60 s connect timeout: \(elapsed)")

        for bad in ["ftp://127.0.0.1/", "127.0.0.1:80/events", "ws://127.0.0.1/"] {
            let invalid = await #expect(throws: SSEError.self) { _ = try await SSEStream.open(SSEOptions(url: bad)) }
            #expect(invalid?.isInvalidURL == true, "\(bad): \(String(describing: invalid))")
        }

        let silent = try ScriptedServer { peer, _ in _ = peer.waitForEOF() }
        let (timeout, waited) = await timed {
            await #expect(throws: SSEError.self) {
                _ = try await SSEStream.open(SSEOptions(url: "http://127.0.0.1:\(silent.port)/",
                                                        connectTimeout: .seconds(1)))
            }
        }
        #expect(timeout?.isTimeout == true, "\(String(describing: timeout))")
        // The deadline was waited for, and ended the wait (the server holds on for 30 s).
        #expect(waited >= .milliseconds(950) && waited < .seconds(10), "took \(waited)")
        try await silent.finish()
    }

    @Test("close is prompt on an idle stream, finishes events, and the server sees the connection end")
    func closeIsPrompt() async throws {
        let server = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            try peer.write(Self.head() + "data: only\n\n")
            guard peer.waitForEOF() else { throw ScriptFailure("the client did not close") }
        }
        let stream = try await SSEStream.open(SSEOptions(url: "http://127.0.0.1:\(server.port)/"))
        let log = StreamRecorder(stream.events)
        try await log.wait(for: "the event") { $0.sseEvents.count == 1 }
        let (_, elapsed) = await timed { await stream.close() }
        // The server would hold the connection for 30 s.
        #expect(elapsed < .seconds(15), "close must not wait for the server: \(elapsed)")
        let items = try await log.waitUntilFinished(timeout: .seconds(10))
        #expect(items.map(\.kind) == ["event"])
        await stream.close()
        try await server.finish()
    }

    @Test("without reconnect, the end of the connection is the end of the stream; close during a retry wait is prompt")
    func noReconnect() async throws {
        let server = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            try peer.write(Self.head() + "data: last\n\n")
        }
        try await withSSEStream(SSEOptions(url: "http://127.0.0.1:\(server.port)/", reconnect: false)) { stream in
            let items = try await StreamRecorder(stream.events).waitUntilFinished(timeout: .seconds(10))
            #expect(items.map(\.kind) == ["event", "disconnected"])
        }
        try await server.finish()

        // Reconnecting against a server that is gone: the stream waits its retry time; close cuts that short.
        let gone = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            try peer.write(Self.head() + "retry: 30000\ndata: bye\n\n")
        }
        let stream = try await SSEStream.open(SSEOptions(url: "http://127.0.0.1:\(gone.port)/"))
        let log = StreamRecorder(stream.events)
        try await log.wait(for: "the disconnect") { $0.contains { $0.kind == "disconnected" } }
        let (_, elapsed) = await timed { await stream.close() }
        #expect(elapsed < .seconds(15), "close must not wait out the 30 s retry: \(elapsed)")
        try await log.waitUntilFinished(timeout: .seconds(10))
        try await gone.finish()
    }
}

extension SSEStreamEvent {
    var kind: String {
        switch self {
        case .event: "event"
        case .disconnected: "disconnected"
        case .reconnected: "reconnected"
        }
    }
}

extension Array where Element == SSEStreamEvent {
    var sseEvents: [SSEEvent] {
        compactMap { if case .event(let e) = $0 { e } else { nil } }
    }
}
