import Foundation
import HeraldTransport
import Synchronization
import Testing

/// An execution thread: the tasks that prefer it run there, and HTTP requests made there run on its event loop.
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

    @Test("requests of several tasks on one thread are in flight at once: a request waiting for its answer holds none of the others up")
    func concurrentRequests() async throws {
        // The first server answers only once the second has been asked: on a thread that blocked in its request, the
        // second task would never get to ask.
        let secondAsked = Atomic<Bool>(false)
        let first = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            let deadline = ContinuousClock.now + .seconds(30)
            while !secondAsked.load(ordering: .acquiring) {
                guard ContinuousClock.now < deadline else { throw ScriptFailure("the second request never came") }
                usleep(1000)
            }
            try peer.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
        }
        let second = try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            secondAsked.store(true, ordering: .releasing)
            try peer.write("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond")
        }
        let thread = try #require(ExecutionThread())
        defer { thread.stop() }
        let client = HTTPClient()
        let a = Task(executorPreference: thread) {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:\(first.port)/", timeout: .seconds(60))).text
        }
        let b = Task(executorPreference: thread) {
            try await client.send(HTTPRequest(url: "http://127.0.0.1:\(second.port)/", timeout: .seconds(60))).text
        }
        #expect(try await b.value == "second")
        #expect(try await a.value == "first")
        try await first.finish()
        try await second.finish()
    }

    @Test("a request on the thread that gets no answer ends at its timeout, and the thread serves the next one")
    func timeout() async throws {
        let server = try ScriptedServer(connections: 2) { peer, i in
            _ = try peer.readRequestHead()
            if i == 0 { _ = peer.waitForEOF() } else { try peer.write("HTTP/1.1 204 No Content\r\n\r\n") }
        }
        let thread = try #require(ExecutionThread())
        defer { thread.stop() }
        let url = "http://127.0.0.1:\(server.port)/"
        let first = await Task(executorPreference: thread) {
            try await HTTPClient().send(HTTPRequest(url: url, timeout: .milliseconds(500)))
        }.result
        #expect(throws: TransportError.self) { try first.get() }
        if case .failure(let error as TransportError) = first { #expect(error.isTimeout, "\(error)") }
        let second = try await Task(executorPreference: thread) {
            try await HTTPClient().send(HTTPRequest(url: url, timeout: .seconds(30))).status
        }.value
        #expect(second == 204)
        try await server.finish()
    }

    @Test("cancelling a task whose request runs on the thread aborts the transfer")
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
