import HeraldCore
import HeraldTransport
import Synchronization
import Testing

/// The HTTP client against a hand-written POSIX server that checks the exact request bytes.
@Suite("HTTP client against a raw TCP server")
struct HTTPClientTests {
    @Test("any verb with a body and headers goes out as given; no Expect or made-up Content-Type")
    func customMethod() async throws {
        let body = Array(#"{"price":12}"#.utf8)
        let server = try ScriptedServer { peer, _ in
            let (line, headers) = try peer.readRequestHead()
            guard line == "PATCH /offers/7?x=1 HTTP/1.1" else { throw ScriptFailure("request line: \(line)") }
            guard headers["x-trace"] == "abc", headers["authorization"] == "Bearer t" else {
                throw ScriptFailure("headers: \(headers)")
            }
            guard headers["user-agent"] == "herald/\(HeraldVersion.version)" else { throw ScriptFailure("User-Agent: \(headers)") }
            guard headers["expect"] == nil, headers["content-type"] == nil else {
                throw ScriptFailure("unexpected Expect/Content-Type: \(headers)")
            }
            guard headers["content-length"] == String(body.count), try peer.read(exactly: body.count) == body else {
                throw ScriptFailure("body mismatch")
            }
            try peer.write("HTTP/1.1 202 Accepted\r\nX-One: 1\r\nx-two: two\r\nContent-Length: 4\r\n\r\ndone")
        }
        let response = try await HTTPClient().send(HTTPRequest(
            method: "patch", url: "http://127.0.0.1:\(server.port)/offers/7?x=1",
            headers: [HTTPHeader("X-Trace", "abc"), HTTPHeader("Authorization", "Bearer t")], body: body))
        #expect(response.status == 202)
        #expect(response.text == "done")
        #expect(response.headers.map(\.name) == ["X-One", "x-two", "Content-Length"])
        #expect(response.header("X-TWO") == "two")
        try await server.finish()
    }

    @Test("redirects: not followed by default; when followed, the headers are the last response's")
    func redirects() async throws {
        let server = try ScriptedServer(connections: 2) { peer, index in
            if index == 0 {
                _ = try peer.readRequestHead()
                try peer.write("HTTP/1.1 302 Found\r\nLocation: /final\r\nX-Hop: 1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            } else {
                let first = try peer.readRequestHead()
                guard first.line.hasPrefix("GET /start ") else { throw ScriptFailure("first: \(first.line)") }
                try peer.write("HTTP/1.1 302 Found\r\nLocation: /final\r\nX-Hop: 1\r\nContent-Length: 0\r\n\r\n")
                let second = try peer.readRequestHead()
                guard second.line.hasPrefix("GET /final ") else { throw ScriptFailure("second: \(second.line)") }
                try peer.write("HTTP/1.1 200 OK\r\nX-Hop: 2\r\nContent-Length: 2\r\n\r\nok")
            }
        }
        let client = HTTPClient()
        let url = "http://127.0.0.1:\(server.port)/start"
        let unfollowed = try await client.send(HTTPRequest(url: url))
        #expect(unfollowed.status == 302)
        #expect(unfollowed.header("location") == "/final")
        let followed = try await client.send(HTTPRequest(url: url, followRedirects: true))
        #expect(followed.status == 200)
        #expect(followed.text == "ok")
        #expect(followed.headers.filter { $0.name == "X-Hop" }.map(\.value) == ["2"])
        try await server.finish()
    }

    @Test("a server that never answers hits the request timeout")
    func timeout() async throws {
        let server = try ScriptedServer.silent()
        let url = "http://127.0.0.1:\(server.port)/slow"
        let (error, elapsed) = await timed {
            await #expect(throws: TransportError.self) {
                _ = try await HTTPClient().send(HTTPRequest(url: url, timeout: .seconds(1)))
            }
        }
        #expect(error?.isTimeout == true, "\(String(describing: error))")
        #expect(error?.description.hasPrefix("\(url): timed out after 1 s") == true, "\(String(describing: error))")
        #expect(elapsed >= .milliseconds(990))
        // The server holds the connection for 30 s.
        #expect(elapsed < .seconds(10), "a hang, not a 1 s timeout: \(elapsed)")
        try await server.finish()
    }

    @Test("cancelling the calling task aborts the transfer")
    func cancellation() async throws {
        try await expectCancellationAborts { url in Task { try await HTTPClient().send(HTTPRequest(url: url, timeout: .seconds(60))) } }
    }

    @Test("an unknown host is a DNS failure; a bad URL is invalid")
    func dnsAndURL() async throws {
        let client = HTTPClient()
        let dns = await #expect(throws: TransportError.self) {
            _ = try await client.send(HTTPRequest(url: "http://no-such-host.invalid/"))
        }
        #expect(dns?.isDNSFailure == true, "\(String(describing: dns))")
        let bad = await #expect(throws: TransportError.self) {
            _ = try await client.send(HTTPRequest(url: "gopher2://x/"))
        }
        #expect(bad?.isInvalidURL == true, "\(String(describing: bad))")
    }

    @Test("many concurrent requests share the worker threads")
    func concurrent() async throws {
        let count = 40
        let server = try ScriptedServer(connections: count) { peer, _ in
            _ = try peer.readRequestHead()
            try peer.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        }
        let client = HTTPClient(maxConcurrentRequests: 4)
        let url = "http://127.0.0.1:\(server.port)/"
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<count { group.addTask { try await client.send(HTTPRequest(url: url)).status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: count))
        try await server.finish()
    }
}

/// Starts the request `start` makes (to a server that reads it and then sits on it, for a URL it is given), cancels
/// its task once the request is out, and checks that the transfer ends with a `CancellationError` long before the
/// request's 60 s timeout, the server seeing the connection closed.
func expectCancellationAborts<T: Sendable>(_ start: (String) -> Task<T, any Error>) async throws {
    let requested = Atomic<Bool>(false)
    let server = try ScriptedServer { peer, _ in
        _ = try peer.readRequestHead()
        requested.store(true, ordering: .releasing)
        guard peer.waitForEOF() else { throw ScriptFailure("the client did not abort the transfer") }
    }
    let task = start("http://127.0.0.1:\(server.port)/hang")
    // Cancel once the request is out and the server is sitting on it: the transfer is under way.
    _ = try await within(.seconds(30), "the request") {
        while !requested.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(5)) }
        return true
    }
    task.cancel()
    let (result, elapsed) = await timed { await task.result }
    #expect(throws: CancellationError.self) { try result.get() }
    #expect(elapsed < .seconds(30), "cancelling must not wait for the 60 s timeout: \(elapsed)")
    try await server.finish()
}
