import HeraldCore
import HeraldTransport
import Testing

/// The Redis transport against a real `redis-server` (Debian package `redis-server`), one per test.
@Suite("Redis transport against redis-server")
struct RedisTests {
    @Test("pub/sub on channels: confirmed subscription, receiver counts, binary payloads")
    func pubSub() async throws {
        try await withBroker(.redis) { server in
            let options = RedisOptions(url: server.url)
            try await withRedisConnection(options) { redis in
                try await withRedisSubscriber(options, channels: ["news", "alerts"]) { subscriber in
                    let log = StreamRecorder(subscriber.events)
                    #expect(try await redis.publish("news", "hello") == 1)
                    #expect(try await redis.publish("alerts", bytes: [0, 255, 13, 10]) == 1)
                    #expect(try await redis.publish("elsewhere", "nobody") == 0)
                    let messages = try await log.wait(for: "two messages") { $0.messages.count == 2 }.messages
                    #expect(messages.map(\.channel) == ["news", "alerts"])
                    #expect(messages[0].text == "hello")
                    #expect(messages[1].payload == [0, 255, 13, 10])
                    #expect(messages.allSatisfy { $0.pattern == nil })

                    try await subscriber.unsubscribe(channels: ["news"])
                    #expect(try await redis.publish("news", "after") == 0)
                    #expect(try await redis.publish("alerts", "still") == 1)
                }
            }
        }
    }

    @Test("pattern subscriptions carry the pattern they matched")
    func patterns() async throws {
        try await withBroker(.redis) { server in
            let options = RedisOptions(url: server.url)
            try await withRedisConnection(options) { redis in
                try await withRedisSubscriber(options, patterns: ["orders.*", "user:?:inbox"]) { subscriber in
                    let log = StreamRecorder(subscriber.events)
                    for channel in ["orders.created", "user:7:inbox", "user:77:inbox", "orders"] {
                        _ = try await redis.publish(channel, channel)
                    }
                    let messages = try await log.wait(for: "two messages") { $0.messages.count == 2 }.messages
                    #expect(messages.map(\.channel) == ["orders.created", "user:7:inbox"])
                    #expect(messages.map(\.pattern) == ["orders.*", "user:?:inbox"])
                    try await Task.sleep(for: .milliseconds(100))
                    #expect(log.items.messages.count == 2)
                }
            }
        }
    }

    @Test("commands and their typed replies: status, string, nil, integer, array, error")
    func commands() async throws {
        try await withBroker(.redis) { server in
            try await withRedisConnection(RedisOptions(url: server.url)) { redis in
                #expect(try await redis.command(["SET", "k", "v"]) == .status("OK"))
                #expect(try await redis.command(["GET", "k"]) == .string(Array("v".utf8)))
                #expect(try await redis.command(["GET", "missing"]) == .null)
                #expect(try await redis.command(["RPUSH", "list", "a", "b", "c"]) == .integer(3))
                #expect(try await redis.command(["LRANGE", "list", "0", "-1"])
                        == .array([.string(Array("a".utf8)), .string(Array("b".utf8)), .string(Array("c".utf8))]))
                let wrongType = try await redis.command(["INCR", "list"])
                #expect(wrongType.errorMessage?.hasPrefix("WRONGTYPE") == true, "\(wrongType)")
                #expect(try await redis.command(["NOSUCHCOMMAND"]).errorMessage?.hasPrefix("ERR") == true)

                // Binary-safe arguments.
                let bytes: [UInt8] = [0, 1, 255, 13, 10, 36]
                _ = try await redis.command(bytes: [Array("SET".utf8), Array("bin".utf8), bytes])
                #expect(try await redis.get("bin") == bytes)

                // Conveniences.
                try await redis.set("a", "1")
                #expect(try await redis.get("a") == Array("1".utf8))
                #expect(try await redis.get("nope") == nil)
                #expect(try await redis.exists("a", "k", "nope") == 2)
                #expect(try await redis.delete("a", "nope") == 1)
                #expect(try await redis.expire("k", after: .seconds(60)))
                #expect(try await redis.expire("nope", after: .seconds(60)) == false)
                let error = await #expect(throws: RedisError.self) { _ = try await redis.get("list") }
                #expect(error?.serverMessage?.hasPrefix("WRONGTYPE") == true)
                #expect(error?.description.hasPrefix("Redis GET failed: WRONGTYPE") == true)

                // Many commands from many tasks at once: each gets its own reply (pipelined in order).
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<200 {
                        group.addTask {
                            try await redis.set("key:\(i)", "value:\(i)")
                            #expect(try await redis.get("key:\(i)") == Array("value:\(i)".utf8))
                        }
                    }
                    try await group.waitForAll()
                }
            }
            // The database in the URL path is selected.
            try await withRedisConnection(RedisOptions(url: server.url(path: "/3"))) { db3 in
                #expect(db3.database == 3)
                #expect(try await db3.get("k") == nil)
                try await db3.set("only-in-3", "x")
            }
            try await withRedisConnection(RedisOptions(url: server.url)) { db0 in
                let count = try await db0.exists("only-in-3")
                #expect(count == 0)
            }
        }
    }

    @Test("keyspace events for set, del, expire and expired, only after notifications are enabled on request")
    func keyspace() async throws {
        try await withBroker(.redis) { server in
            let options = RedisOptions(url: server.url)
            try await withRedisConnection(options) { redis in
                try await withRedisSubscriber(options) { subscriber in
                    // Not asked: the server setting is left alone (off by default), so nothing arrives.
                    try await subscriber.watchKeyspace("order:*")
                    #expect(try await redis.command(["CONFIG", "GET", "notify-keyspace-events"])
                            == .array([.string(Array("notify-keyspace-events".utf8)), .string([])]))
                    let log = StreamRecorder(subscriber.events)
                    try await redis.set("order:0", "ignored")
                    try await Task.sleep(for: .milliseconds(100))
                    #expect(log.items.isEmpty)

                    try await subscriber.watchKeyspace("order:*", enablingNotifications: "KEA")
                    try await redis.set("order:1", "new")
                    try await redis.delete("order:1")
                    try await redis.set("order:2", "short-lived")
                    try await redis.expire("order:2", after: .milliseconds(50))
                    try await redis.set("other:1", "not watched")
                    let events = try await log.wait(for: "set, del, set, expire, expired", timeout: .seconds(5)) {
                        $0.keyspaceEvents.count >= 5
                    }.keyspaceEvents
                    #expect(events.map(\.key) == ["order:1", "order:1", "order:2", "order:2", "order:2"])
                    #expect(events.map(\.event) == ["set", "del", "set", "expire", "expired"])
                    #expect(events.allSatisfy { $0.database == 0 })
                    #expect(log.items.messages.isEmpty)
                }
            }
        }
    }

    @Test("AUTH with a password; a wrong or missing password fails with the password masked")
    func authentication() async throws {
        try await withBroker(.redis.with("--requirepass", "s3cret-pw")) { server in
            try await withRedisConnection(RedisOptions(url: server.url(userinfo: ":s3cret-pw"))) { redis in
                #expect(redis.url == "redis://:***@127.0.0.1:\(server.port)")
                try await redis.set("k", "v")
            }
            try await withRedisConnection(RedisOptions(url: server.url, password: "s3cret-pw")) { redis in
                let value = try await redis.get("k")
                #expect(value == Array("v".utf8))
            }
            try await withRedisSubscriber(RedisOptions(url: server.url(userinfo: "s3cret-pw")), channels: ["c"]) { sub in
                #expect(sub.url == "redis://***@127.0.0.1:\(server.port)")
            }
            let wrong = await #expect(throws: TransportError.self) {
                _ = try await RedisConnection.connect(RedisOptions(url: server.url(userinfo: ":wr0ng-pw")))
            }
            #expect(wrong?.isProtocolFailure == true, "\(String(describing: wrong))")
            #expect(wrong?.description.contains("wr0ng-pw") == false, "\(String(describing: wrong))")
            #expect(wrong?.description.contains("redis://:***@127.0.0.1") == true, "\(String(describing: wrong))")
            let missing = await #expect(throws: TransportError.self) {
                _ = try await RedisSubscriber.connect(RedisOptions(url: server.url))
            }
            #expect(missing?.description.contains("requires a password") == true, "\(String(describing: missing))")
        }
    }

    @Test("an unreachable server fails fast with connection refused and the password masked")
    func unreachable() async throws {
        let port = try ScriptedServer.closedPort()
        let (error, elapsed) = await timed {
            await #expect(throws: TransportError.self) {
                _ = try await RedisConnection.connect(RedisOptions(url: "redis://:s3cret@127.0.0.1:\(port)/0",
                                                                   connectTimeout: .seconds(60)))
            }
        }
        #expect(error?.isConnectionRefused == true, "\(String(describing: error))")
        #expect(error?.description == "cannot connect to redis://:***@127.0.0.1:\(port)/0: connection refused")
        // Refused is known at once: a refusal taken for a silent server would wait the whole 60 s connect timeout.
        #expect(elapsed < .seconds(30), "took \(elapsed)")
        let dns = await #expect(throws: TransportError.self) {
            _ = try await RedisSubscriber.connect(RedisOptions(url: "redis://:pw-secret@no-such-host.invalid"))
        }
        #expect(dns?.isDNSFailure == true, "\(String(describing: dns))")
        #expect(dns?.description.contains("pw-secret") == false)
        for bad in ["rediss://127.0.0.1", "redis://", "redis://h:1/notadb", "http://h"] {
            let invalid = await #expect(throws: TransportError.self) {
                _ = try await RedisConnection.connect(RedisOptions(url: bad))
            }
            #expect(invalid?.isInvalidURL == true, "\(bad): \(String(describing: invalid))")
        }
    }

    @Test("a server that accepts but never answers: a timeout, not a hang")
    func silentServer() async throws {
        let server = try ScriptedServer { peer, _ in _ = peer.waitForEOF() }
        let url = "redis://:s3cret@127.0.0.1:\(server.port)"
        let (error, elapsed) = await timed {
            await #expect(throws: TransportError.self) {
                _ = try await RedisConnection.connect(RedisOptions(url: url, connectTimeout: .seconds(1),
                                                                   commandTimeout: .seconds(1)))
            }
        }
        #expect(error?.isTimeout == true, "\(String(describing: error))")
        #expect(error?.description.contains("s3cret") == false)
        #expect(error?.description.contains("redis://:***@127.0.0.1") == true)
        // The deadline was waited for, and ended the wait (the server holds on for 30 s).
        #expect(elapsed >= .milliseconds(950) && elapsed < .seconds(10), "took \(elapsed)")
        try await server.finish()
    }

    @Test("readiness: a PUBLISH right after subscribe returns always reaches the subscriber")
    func readiness() async throws {
        try await withBroker(.redis) { server in
            let options = RedisOptions(url: server.url)
            try await withRedisConnection(options) { redis in
                try await withRedisSubscriber(options) { subscriber in
                    let log = StreamRecorder(subscriber.events)
                    for round in 0..<50 {
                        try await subscriber.subscribe(channels: ["ready.\(round)"], patterns: ["pready.\(round).*"])
                        #expect(try await redis.publish("ready.\(round)", "x") == 1)
                        #expect(try await redis.publish("pready.\(round).y", "y") == 1)
                    }
                    try await log.wait(for: "100 messages") { $0.messages.count == 100 }
                }
            }
        }
    }

    @Test("a burst of 10,000 messages (one pipelined batch of PUBLISH) arrives complete and in order")
    func burst() async throws {
        try await withBroker(.redis) { server in
            let options = RedisOptions(url: server.url)
            try await withRedisConnection(options) { redis in
                try await withRedisSubscriber(options, channels: ["burst"]) { subscriber in
                    let count = 10_000
                    let events = subscriber.events
                    // Read the stream directly (no recorder) so the figure printed is the transport's.
                    let reader = Task {
                        try await within(.seconds(20), "\(count) messages") {
                            var messages: [RedisMessage] = []
                            messages.reserveCapacity(count)
                            for await event in events {
                                if case .message(let m) = event { messages.append(m) }
                                if messages.count == count { break }
                            }
                            return messages
                        }
                    }
                    let batch = (0..<count).map { ["PUBLISH", "burst", String($0)] }
                    let start = ContinuousClock.now
                    let replies = try await redis.pipeline(batch, timeout: .seconds(20))
                    let messages = try await reader.value
                    let elapsed = ContinuousClock.now - start
                    #expect(replies.count == count)
                    #expect(replies.allSatisfy { $0 == .integer(1) })
                    #expect(messages.compactMap { Int($0.text ?? "") } == Array(0..<count))
                    #expect(zip(messages, messages.dropFirst()).allSatisfy { $0.receivedAt <= $1.receivedAt })
                    print("Redis burst: \(count) messages in \(elapsed) (\(Int(Double(count) / elapsed.seconds)) msgs/s)")

                    // A batch mixing replies and errors keeps them in order.
                    let mixed = try await redis.pipeline([["SET", "p", "1"], ["INCR", "p"], ["LPOP", "p"], ["GET", "p"]])
                    #expect(mixed.count == 4)
                    #expect(mixed[0] == .status("OK") && mixed[1] == .integer(2) && mixed[3].text == "2")
                    #expect(mixed[2].errorMessage?.hasPrefix("WRONGTYPE") == true)
                }
            }
        }
    }

    @Test("server killed mid-stream: the subscriber stream closes, commands fail, nothing hangs")
    func killed() async throws {
        try await withBroker(.redis) { server in
            let options = RedisOptions(url: server.url)
            let redis = try await RedisConnection.connect(options)
            let subscriber = try await RedisSubscriber.connect(options)
            try await subscriber.subscribe(channels: ["live"])
            let log = StreamRecorder(subscriber.events)
            _ = try await redis.publish("live", "before")
            try await log.wait(for: "the message before the kill") { $0.messages.count == 1 }
            server.kill()
            let events = try await log.waitUntilFinished(timeout: .seconds(5))
            guard case .closed(let reason, _, let local)? = events.last else {
                Issue.record("expected .closed last, got \(events)")
                return
            }
            #expect(!local)
            #expect(reason?.isEmpty == false)
            let error = await #expect(throws: TransportError.self) { _ = try await redis.get("k") }
            #expect(error?.isClosed == true, "\(String(describing: error))")
            await #expect(throws: TransportError.self) { try await subscriber.subscribe(channels: ["x"]) }
            let (_, elapsed) = await timed {
                await redis.close()
                await subscriber.close()
            }
            #expect(elapsed < .seconds(1), "close took \(elapsed)")
        }
    }

    @Test("close stops an idle subscriber at once and ends its stream locally; work after close fails")
    func closeIdle() async throws {
        try await withBroker(.redis) { server in
            let options = RedisOptions(url: server.url)
            let subscriber = try await RedisSubscriber.connect(options)
            try await subscriber.subscribe(channels: ["quiet"], patterns: ["q.*"])
            let log = StreamRecorder(subscriber.events)
            let (_, elapsed) = await timed { await subscriber.close() }
            #expect(elapsed < .seconds(2), "close took \(elapsed)")
            let events = try await log.waitUntilFinished(timeout: .seconds(1))
            guard case .closed(_, _, let local)? = events.last, events.count == 1 else {
                Issue.record("expected only .closed, got \(events)")
                return
            }
            #expect(local)
            await subscriber.close()
            let redis = try await RedisConnection.connect(options)
            await redis.close()
            await #expect(throws: TransportError.self) { _ = try await redis.command(["PING"]) }

            // Closing while a command waits for a reply that will not come: the close is immediate and the command
            // fails as closed.
            let blocked = try await RedisConnection.connect(options)
            let waiting = Task { try await blocked.command(["BLPOP", "never", "0"], timeout: .seconds(30)) }
            try await Task.sleep(for: .milliseconds(100))
            let (_, closeTime) = await timed { await blocked.close() }
            // Not the command's 30 s: a tenth of it, so that a busy machine cannot fail the check.
            #expect(closeTime < .seconds(3), "close waited for the command: \(closeTime)")
            let failure = await #expect(throws: TransportError.self) { _ = try await waiting.value }
            #expect(failure?.isClosed == true, "\(String(describing: failure))")

            // A command whose reply does not come in time: the deadline, without losing the connection's order.
            try await withRedisConnection(options) { redis in
                let error = await #expect(throws: TransportError.self) {
                    _ = try await redis.command(["BLPOP", "never", "1"], timeout: .milliseconds(200))
                }
                #expect(error?.isTimeout == true, "\(String(describing: error))")
                let pong = try await redis.command(["PING"], timeout: .seconds(5))
                #expect(pong == .status("PONG"))
            }
        }
    }
}

extension Array where Element == RedisEvent {
    var messages: [RedisMessage] {
        compactMap { if case .message(let m) = $0 { m } else { nil } }
    }

    var keyspaceEvents: [RedisKeyspaceEvent] {
        compactMap { if case .keyspace(let e) = $0 { e } else { nil } }
    }
}
