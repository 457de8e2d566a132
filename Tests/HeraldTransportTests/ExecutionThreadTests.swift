import HeraldTransport
import Testing

/// An execution's own thread: the tasks that prefer it run there, and HTTP requests made there run in place.
@Suite("Execution thread")
struct ExecutionThreadTests {
    @Test("tasks that prefer the thread run on it; requests made there are answered on one kept-alive connection")
    func inPlaceRequests() async throws {
        let server = try ScriptedServer { peer, _ in
            for k in 1...2 {
                let (line, _) = try peer.readRequestHead()
                guard line == "GET /n/\(k) HTTP/1.1" else { throw ScriptFailure("request \(k): \(line)") }
                try peer.write("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n\(k)")
            }
        }
        let thread = try #require(ExecutionThread())
        defer { thread.stop() }
        let client = HTTPClient()
        #expect(ExecutionThread.current == nil)
        let answers = try await withTaskExecutorPreference(thread) {
            #expect(ExecutionThread.current === thread)
            var texts: [String] = []
            for k in 1...2 {
                texts.append(try await client.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/n/\(k)")).text)
                #expect(ExecutionThread.current === thread)
            }
            return texts
        }
        // The server serves one connection: the second request went out on the first one's.
        #expect(answers == ["1", "2"])
        try await server.finish()
    }

    @Test("cancelling a task whose request runs in place aborts the transfer")
    func cancellation() async throws {
        let thread = try #require(ExecutionThread())
        defer { thread.stop() }
        try await expectCancellationAborts { url in
            Task(executorPreference: thread) {
                // Off the thread, the error is this one, not the cancellation the check expects.
                guard ExecutionThread.current === thread else { throw ScriptFailure("the request did not run on the execution thread") }
                return try await HTTPClient().send(HTTPRequest(url: url, timeout: .seconds(60)))
            }
        }
    }

    @Test("a task that still prefers a stopped thread runs on the shared pool")
    func afterStop() async throws {
        let thread = try #require(ExecutionThread())
        thread.stop()
        let ran = try await within(.seconds(30), "the task") {
            await Task(executorPreference: thread) { ExecutionThread.current == nil }.value
        }
        #expect(ran)
    }
}
