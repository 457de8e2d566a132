import HeraldCore
import HeraldTransport
import Synchronization
import Testing

/// The NATS transport against a real `nats-server` (Debian package `nats-server`), one per test.
@Suite("NATS transport against nats-server")
struct NATSTests {
    @Test("`*` matches one token, `>` the rest; other subjects are not delivered")
    func wildcards() async throws {
        try await withBroker(.nats) { server in
            try await withNATSConnection(NATSOptions(url: server.url)) { nats in
                let one = try await nats.subscribe("orders.*")
                let rest = try await nats.subscribe("orders.>")
                let oneLog = StreamRecorder(one.events), restLog = StreamRecorder(rest.events)
                for subject in ["orders.created", "orders.eu.paid", "other.created", "orders"] {
                    try nats.publish(subject, text: subject)
                }
                try nats.publish("orders.done", text: "end")
                let restSubjects = try await restLog.wait(for: "three messages on orders.>") { $0.messages.count == 3 }
                    .messages.map(\.subject)
                let oneSubjects = try await oneLog.wait(for: "two messages on orders.*") { $0.messages.count == 2 }
                    .messages.map(\.subject)
                #expect(oneSubjects == ["orders.created", "orders.done"])
                #expect(restSubjects == ["orders.created", "orders.eu.paid", "orders.done"])
            }
        }
    }

    @Test("a queue group gives each message to exactly one member; a plain subscriber still gets them all")
    func queueGroups() async throws {
        try await withBroker(.nats) { server in
            try await withNATSConnection(NATSOptions(url: server.url)) { nats in
                let a = try await nats.subscribe("jobs", queueGroup: "workers")
                let b = try await nats.subscribe("jobs", queueGroup: "workers")
                let all = try await nats.subscribe("jobs")
                let aLog = StreamRecorder(a.events), bLog = StreamRecorder(b.events), allLog = StreamRecorder(all.events)
                for i in 0..<200 { try nats.publish("jobs", text: "\(i)") }
                try await allLog.wait(for: "200 messages on the plain subscription") { $0.messages.count == 200 }
                try await nats.flush()
                let got = try await within(.seconds(5), "the group to share 200 messages") {
                    while aLog.items.messages.count + bLog.items.messages.count < 200 { try await Task.sleep(for: .milliseconds(5)) }
                    return (aLog.items.messages.compactMap(\.text), bLog.items.messages.compactMap(\.text))
                }
                #expect(got.0.count + got.1.count == 200)
                #expect(Set(got.0).isDisjoint(with: Set(got.1)), "a message reached both members")
                #expect(Set(got.0).union(got.1) == Set((0..<200).map(String.init)))
                #expect(!got.0.isEmpty && !got.1.isEmpty, "one member got nothing: \(got.0.count)/\(got.1.count)")
                #expect(a.queueGroup == "workers")
            }
        }
    }

    @Test("headers (several values for a name) and binary payloads arrive as sent")
    func headers() async throws {
        try await withBroker(.nats) { server in
            try await withNATSConnection(NATSOptions(url: server.url)) { nats in
                let sub = try await nats.subscribe("h.test")
                let log = StreamRecorder(sub.events)
                let payload: [UInt8] = [0, 1, 2, 255, 10, 13, 0]
                let before = MonotonicInstant.now()
                try nats.publish("h.test", payload: payload,
                                 headers: [HTTPHeader("Trace-Id", "abc-1"), HTTPHeader("X-Tag", "one"), HTTPHeader("X-Tag", "two")],
                                 replyTo: "h.reply")
                let message = try #require(try await log.wait(for: "the message") { !$0.messages.isEmpty }.messages.first)
                #expect(message.payload == payload)
                #expect(message.subject == "h.test")
                #expect(message.replyTo == "h.reply")
                #expect(message.header("trace-id") == "abc-1")
                #expect(message.headers.filter { $0.name == "X-Tag" }.map(\.value).sorted() == ["one", "two"])
                #expect(message.receivedAt >= before)

                let error = #expect(throws: NATSError.self) {
                    try nats.publish("h.test", text: "x", headers: [HTTPHeader("Bad", "a\r\nInjected: 1")])
                }
                #expect(error?.description.contains("invalid header") == true)
                for bad in ["bad subject", "a..b", "", "orders.*", "orders.>", "a\r\nPUB x 1"] {
                    let error = #expect(throws: NATSError.self) { try nats.publish(bad, text: "x") }
                    #expect(error?.isInvalidSubject == true)
                }
                for bad in ["a.>.b", "a b", "a.", ">.a"] {
                    let error = await #expect(throws: NATSError.self) { _ = try await nats.subscribe(bad) }
                    #expect(error?.isInvalidSubject == true, "\(bad)")
                }
                await #expect(throws: NATSError.self) { _ = try await nats.subscribe("ok.*", queueGroup: "a b") }
            }
        }
    }

    @Test("request/reply: answered, no responders (fast), and a silent responder (timeout)")
    func requestReply() async throws {
        try await withBroker(.nats) { server in
            try await withNATSConnection(NATSOptions(url: server.url)) { nats in
                let service = try await nats.subscribe("svc.echo")
                let responder = Task {
                    for await event in service.events {
                        guard case .message(let m) = event else { continue }
                        try? nats.respond(to: m, payload: Array("echo:".utf8) + m.payload,
                                          headers: [HTTPHeader("Served-By", "test")])
                    }
                }
                defer { responder.cancel() }
                let reply = try await nats.request("svc.echo", payload: Array("hi".utf8),
                                                   headers: [HTTPHeader("Req", "1")], timeout: .seconds(2))
                #expect(reply.text == "echo:hi")
                #expect(reply.header("Served-By") == "test")

                // Nobody subscribed: the server says so at once.
                let (noResponders, fast) = await timed {
                    await #expect(throws: NATSError.self) {
                        _ = try await nats.request("svc.nobody", timeout: .seconds(3))
                    }
                }
                #expect(noResponders?.isNoResponders == true, "\(String(describing: noResponders))")
                #expect(fast < .seconds(1), "took \(fast)")

                // Someone subscribed who never answers: the deadline.
                let silent = try await nats.subscribe("svc.silent")
                _ = silent
                let (timeout, elapsed) = await timed {
                    await #expect(throws: TransportError.self) {
                        _ = try await nats.request("svc.silent", timeout: .milliseconds(300))
                    }
                }
                #expect(timeout?.isTimeout == true, "\(String(describing: timeout))")
                #expect(elapsed >= .milliseconds(280) && elapsed < .seconds(3), "took \(elapsed)")
                #expect(timeout?.description.contains("300 ms") == true, "\(String(describing: timeout))")
            }
        }
    }

    @Test("a burst of 10,000 messages arrives complete and in order")
    func burst() async throws {
        try await withBroker(.nats) { server in
            try await withNATSConnection(NATSOptions(url: server.url)) { receiver in
                try await withNATSConnection(NATSOptions(url: server.url)) { sender in
                    let sub = try await receiver.subscribe("burst.>")
                    let count = 10_000
                    let events = sub.events
                    // Read the stream directly (no recorder) so the figure printed is the transport's.
                    let reader = Task {
                        try await within(.seconds(20), "\(count) messages") {
                            var messages: [NATSMessage] = []
                            messages.reserveCapacity(count)
                            for await event in events {
                                if case .message(let m) = event { messages.append(m) }
                                if messages.count == count { break }
                            }
                            return messages
                        }
                    }
                    let start = ContinuousClock.now
                    for i in 0..<count { try sender.publish("burst.n", text: String(i)) }
                    try await sender.flush()
                    let messages = try await reader.value
                    let elapsed = ContinuousClock.now - start
                    #expect(messages.compactMap { Int($0.text ?? "") } == Array(0..<count))
                    #expect(sub.droppedCount == 0)
                    #expect(zip(messages, messages.dropFirst()).allSatisfy { $0.receivedAt <= $1.receivedAt })
                    print("NATS burst: \(count) messages in \(elapsed) (\(Int(Double(count) / elapsed.seconds)) msgs/s)")
                }
            }
        }
    }

    @Test("readiness: a message published by another connection right after subscribe returns is never lost")
    func readiness() async throws {
        try await withBroker(.nats) { server in
            try await withNATSConnection(NATSOptions(url: server.url)) { receiver in
                try await withNATSConnection(NATSOptions(url: server.url)) { sender in
                    for round in 0..<50 {
                        let subject = "ready.\(round)"
                        let sub = try await receiver.subscribe(subject)
                        try sender.publish(subject, text: "first")
                        let log = StreamRecorder(sub.events)
                        try await log.wait(for: "the first message of round \(round)", timeout: .seconds(2)) {
                            $0.messages.first?.text == "first"
                        }
                        sub.unsubscribe()
                        let end = try await log.waitUntilFinished()
                        #expect(end.last?.closeReason == .unsubscribed)
                    }
                }
            }
        }
    }

    @Test("an unreachable server fails fast with connection refused, and credentials never show")
    func unreachable() async throws {
        let port = try ScriptedServer.closedPort()
        for (url, shown) in [("nats://alice:s3cret-pw@127.0.0.1:\(port)", "nats://alice:***@127.0.0.1:\(port)"),
                             ("nats://tok3n-secret@127.0.0.1:\(port)", "nats://***@127.0.0.1:\(port)")] {
            let (error, elapsed) = await timed {
                await #expect(throws: TransportError.self) {
                    _ = try await NATSConnection.connect(NATSOptions(url: url, connectTimeout: .seconds(60)))
                }
            }
            #expect(error?.isConnectionRefused == true, "\(String(describing: error))")
            #expect(error?.description == "cannot connect to \(shown): connection refused")
            #expect(error.map { !"\($0)".contains("s3cret") && !"\($0)".contains("tok3n") } == true)
            // Refused is known at once: a refusal taken for a silent server would wait the whole 60 s connect timeout.
            #expect(elapsed < .seconds(30), "took \(elapsed)")
        }
        let dns = await #expect(throws: TransportError.self) {
            _ = try await NATSConnection.connect(NATSOptions(url: "nats://u:pw-secret@no-such-host.invalid:4222"))
        }
        #expect(dns?.isDNSFailure == true, "\(String(describing: dns))")
        #expect(dns?.description.contains("pw-secret") == false)
        for bad in ["http://127.0.0.1:4222", "nats://", "nats://host:99999", "nats://h:1/path"] {
            let invalid = await #expect(throws: TransportError.self) {
                _ = try await NATSConnection.connect(NATSOptions(url: bad))
            }
            #expect(invalid?.isInvalidURL == true, "\(bad): \(String(describing: invalid))")
        }
    }

    @Test("a server that accepts but never speaks: a timeout within the connect timeout, not a hang")
    func silentServer() async throws {
        let server = try ScriptedServer { peer, _ in _ = peer.waitForEOF() }
        let url = "nats://u:s3cret@127.0.0.1:\(server.port)"
        let (error, elapsed) = await timed {
            await #expect(throws: TransportError.self) {
                _ = try await NATSConnection.connect(NATSOptions(url: url, connectTimeout: .seconds(1)))
            }
        }
        #expect(error?.isTimeout == true, "\(String(describing: error))")
        #expect(error?.description.contains("s3cret") == false)
        // The deadline was waited for, and ended the wait (the server holds on for 30 s).
        #expect(elapsed >= .milliseconds(950) && elapsed < .seconds(10), "took \(elapsed)")
        try await server.finish()
    }

    @Test("user/password and token authentication; a wrong password is rejected with the password masked")
    func authentication() async throws {
        try await withBroker(.nats.with("--user", "alice", "--pass", "s3cret-pw")) { server in
            try await withNATSConnection(NATSOptions(url: server.url(userinfo: "alice:s3cret-pw"))) { nats in
                #expect(nats.url == "nats://alice:***@127.0.0.1:\(server.port)")
                let sub = try await nats.subscribe("auth.ok")
                try nats.publish("auth.ok", text: "in")
                try await StreamRecorder(sub.events).wait(for: "a message") { !$0.messages.isEmpty }
            }
            let error = await #expect(throws: TransportError.self) {
                _ = try await NATSConnection.connect(NATSOptions(url: server.url(userinfo: "alice:wr0ng-pw")))
            }
            #expect(error?.isProtocolFailure == true, "\(String(describing: error))")
            #expect(error?.description.contains("wr0ng-pw") == false, "\(String(describing: error))")
            #expect(error?.description.contains("nats://alice:***@") == true, "\(String(describing: error))")
        }
        try await withBroker(.nats.with("--auth", "t0ken-xyz")) { server in
            try await withNATSConnection(NATSOptions(url: server.url, token: "t0ken-xyz")) { nats in
                try await nats.flush()
            }
            try await withNATSConnection(NATSOptions(url: server.url(userinfo: "t0ken-xyz"))) { nats in
                #expect(nats.url == "nats://***@127.0.0.1:\(server.port)")
            }
            let error = await #expect(throws: TransportError.self) {
                _ = try await NATSConnection.connect(NATSOptions(url: server.url, token: "wrong-t0ken"))
            }
            #expect(error?.description.contains("wrong-t0ken") == false, "\(String(describing: error))")
        }
    }

    @Test("server killed mid-stream without reconnecting: the stream reports the disconnect and finishes")
    func killedWithoutReconnect() async throws {
        try await withBroker(.nats) { server in
            try await withNATSConnection(NATSOptions(url: server.url, reconnect: .never)) { nats in
                let sub = try await nats.subscribe("live.>")
                let log = StreamRecorder(sub.events)
                try nats.publish("live.a", text: "before")
                try await log.wait(for: "the message before the kill") { $0.messages.count == 1 }
                server.kill()
                let events = try await log.waitUntilFinished(timeout: .seconds(5))
                #expect(events.count == 3, "\(events)")
                #expect(events.dropFirst().first?.isDisconnected == true, "\(events)")
                guard case .connectionLost? = events.last?.closeReason else {
                    Issue.record("expected .closed(.connectionLost), got \(String(describing: events.last))")
                    return
                }
                let error = await #expect(throws: TransportError.self) {
                    _ = try await nats.request("live.x", timeout: .seconds(1))
                }
                #expect(error?.isClosed == true, "\(String(describing: error))")
            }
        }
    }

    @Test("broker restart mid-run: disconnected, reconnected, and messages flow again")
    func restart() async throws {
        try await withBroker(.nats) { server in
            let options = NATSOptions(url: server.url, reconnect: .attempts(100, wait: .milliseconds(50)))
            try await withNATSConnection(options) { receiver in
                let sub = try await receiver.subscribe("rs.>")
                let log = StreamRecorder(sub.events)
                server.kill()
                try await log.wait(for: "the disconnect") { $0.contains { $0.isDisconnected } }
                #expect(!receiver.isConnected)
                try await server.restart()
                try await log.wait(for: "the reconnect", timeout: .seconds(10)) { $0.contains { $0.isReconnected } }
                try await withNATSConnection(NATSOptions(url: server.url)) { sender in
                    // The SUB is replayed on reconnect; a flush on the receiver confirms it reached the server.
                    try await receiver.flush()
                    try sender.publish("rs.after", text: "back")
                    try await log.wait(for: "a message after the restart") { $0.messages.first?.text == "back" }
                }
                let kinds = log.items.map(\.kind)
                #expect(kinds == ["disconnected", "reconnected", "message"], "\(kinds)")
            }
            // Closing ended the stream locally.
        }
    }

    @Test("close ends every stream with .closedLocally; the connection then refuses work")
    func closeEndsStreams() async throws {
        try await withBroker(.nats) { server in
            let nats = try await NATSConnection.connect(NATSOptions(url: server.url))
            let s1 = try await nats.subscribe("c.1"), s2 = try await nats.subscribe("c.2", queueGroup: "g")
            let l1 = StreamRecorder(s1.events), l2 = StreamRecorder(s2.events)
            // Dropping a subscription unsubscribes it.
            var dropped: NATSSubscription? = try await nats.subscribe("c.dropped")
            let droppedLog = StreamRecorder(dropped!.events)
            dropped = nil
            #expect(try await droppedLog.waitUntilFinished(timeout: .seconds(2)).last?.closeReason == .unsubscribed)
            let (_, elapsed) = await timed { await nats.close() }
            #expect(elapsed < .seconds(2), "close took \(elapsed)")
            for log in [l1, l2] {
                let events = try await log.waitUntilFinished(timeout: .seconds(2))
                #expect(events.count == 1, "\(events)")
                #expect(events.last?.closeReason == .closedLocally)
            }
            await nats.close()  // idempotent
            await #expect(throws: TransportError.self) { _ = try await nats.subscribe("c.3") }
            #expect(throws: TransportError.self) { try nats.publish("c.1", text: "late") }
            #expect(!nats.isConnected)
        }
    }
}

extension NATSEvent {
    var message: NATSMessage? {
        if case .message(let m) = self { return m }
        return nil
    }

    var closeReason: NATSCloseReason? {
        if case .closed(let reason, _) = self { return reason }
        return nil
    }

    var isDisconnected: Bool {
        if case .disconnected = self { return true }
        return false
    }

    var isReconnected: Bool {
        if case .reconnected = self { return true }
        return false
    }

    var kind: String {
        switch self {
        case .message: "message"
        case .disconnected: "disconnected"
        case .reconnected: "reconnected"
        case .slowConsumer: "slowConsumer"
        case .closed: "closed"
        }
    }
}

extension Array where Element == NATSEvent {
    var messages: [NATSMessage] { compactMap(\.message) }
}
