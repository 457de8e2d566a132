import Foundation
import HeraldCore
import HeraldTransport
import Testing

/// The MQTT transport against a real `mosquitto` broker (Debian package `mosquitto`), one per test.
@Suite("MQTT transport against mosquitto")
struct MQTTTests {
    @Test("`+` matches one level, `#` the rest; other topics are not delivered")
    func wildcards() async throws {
        try await withBroker(.mosquitto) { server in
            try await withMQTTConnection(MQTTOptions(url: server.url)) { mqtt in
                let log = StreamRecorder(mqtt.events)
                let granted = try await mqtt.subscribe(["sensors/+/temp", "logs/#"], qos: 1)
                #expect(granted == [1, 1])
                #expect(mqtt.subscribedTopics == ["sensors/+/temp", "logs/#"])
                for topic in ["sensors/kitchen/temp", "sensors/kitchen/humidity", "sensors/a/b/temp", "logs",
                              "logs/app/error", "other/temp"] {
                    try await mqtt.publish(topic, text: topic, qos: 1)
                }
                try await mqtt.publish("sensors/hall/temp", text: "end", qos: 1)
                let messages = try await log.wait(for: "four messages") { $0.messages.count == 4 }.messages
                #expect(messages.map(\.topic) == ["sensors/kitchen/temp", "logs", "logs/app/error", "sensors/hall/temp"])
                #expect(messages.map(\.text) == ["sensors/kitchen/temp", "logs", "logs/app/error", "end"])
                #expect(messages.allSatisfy { !$0.retained })
                try await Task.sleep(for: .milliseconds(100))
                #expect(log.items.messages.count == 4, "\(log.items.messages.map(\.topic))")
            }
        }
    }

    @Test("QoS 0, 1 and 2 round trips: granted QoS returned, delivered with the lower of both QoS")
    func qosRoundTrips() async throws {
        try await withBroker(.mosquitto) { server in
            try await withMQTTConnection(MQTTOptions(url: server.url)) { receiver in
                let log = StreamRecorder(receiver.events)
                #expect(try await receiver.subscribe(["q/0"], qos: 0) == [0])
                #expect(try await receiver.subscribe(["q/1"], qos: 1) == [1])
                #expect(try await receiver.subscribe(["q/2", "q/2b"], qos: 2) == [2, 2])
                try await withMQTTConnection(MQTTOptions(url: server.url)) { sender in
                    let binary: [UInt8] = [0, 1, 2, 255, 13, 10, 0]
                    let before = MonotonicInstant.now()
                    try await sender.publish("q/0", text: "zero", qos: 0)
                    try await sender.publish("q/1", text: "one", qos: 1)
                    try await sender.publish("q/2", payload: binary, qos: 2)
                    try await sender.publish("q/2b", text: "one into two", qos: 1)
                    try await sender.publish("q/1", text: "two into one", qos: 2)
                    try await sender.publish("q/0", payload: [], qos: 2)
                    let messages = try await log.wait(for: "six messages") { $0.messages.count == 6 }.messages
                    let byText = messages.map { "\($0.topic) \($0.qos) \($0.text ?? "<binary>")" }
                    #expect(Set(byText) == ["q/0 0 zero", "q/1 1 one", "q/2 2 <binary>",
                                            "q/2b 1 one into two", "q/1 1 two into one", "q/0 0 "], "\(byText)")
                    #expect(messages.first { $0.topic == "q/2" }?.payload == binary)
                    #expect(messages.first { $0.topic == "q/0" && $0.payload.isEmpty } != nil)
                    #expect(messages.allSatisfy { $0.receivedAt >= before && $0.receivedAt <= .now() })
                }
            }
        }
    }

    @Test("a retained message reaches a later subscriber with retained == true; live ones do not carry the flag")
    func retained() async throws {
        try await withBroker(.mosquitto) { server in
            try await withMQTTConnection(MQTTOptions(url: server.url)) { sender in
                try await sender.publish("status/door", text: "open", qos: 1, retain: true)
                try await sender.publish("status/window", text: "not kept", qos: 1)
                try await withMQTTConnection(MQTTOptions(url: server.url)) { late in
                    let log = StreamRecorder(late.events)
                    try await late.subscribe(["status/#"])
                    let first = try await log.wait(for: "the retained message") { $0.messages.count == 1 }.messages[0]
                    #expect(first.topic == "status/door")
                    #expect(first.text == "open")
                    #expect(first.retained)
                    try await sender.publish("status/door", text: "closed", qos: 1, retain: true)
                    let live = try await log.wait(for: "the live message") { $0.messages.count == 2 }.messages[1]
                    #expect(live.text == "closed")
                    #expect(!live.retained)
                    #expect(log.items.messages.allSatisfy { $0.topic != "status/window" })
                }
            }
        }
    }

    @Test("user and password: accepted when right, refused with the password masked when wrong or missing")
    func credentials() async throws {
        try await withBroker(.mosquitto.withUser("alice", password: "s3cret-pw")) { server in
            try await withMQTTConnection(MQTTOptions(url: server.url(userinfo: "alice:s3cret-pw"))) { mqtt in
                #expect(mqtt.url == "mqtt://alice:***@127.0.0.1:\(server.port)")
                let granted = try await mqtt.subscribe(["a/b"])
                #expect(granted == [1])
            }
            // Percent-escapes in the userinfo are decoded (`%2D` is `-`).
            try await withMQTTConnection(MQTTOptions(url: server.url(userinfo: "alice:s3cret%2Dpw"))) { mqtt in
                #expect(mqtt.isConnected)
            }
            // Options override the URL.
            try await withMQTTConnection(MQTTOptions(url: server.url, username: "alice", password: "s3cret-pw")) { mqtt in
                #expect(mqtt.isConnected)
            }

            let url = server.url(userinfo: "alice:wr0ng-pw")
            let (wrong, elapsed) = await timed {
                await #expect(throws: MQTTError.self) {
                    _ = try await MQTTConnection.connect(MQTTOptions(url: url, connectTimeout: .seconds(60)))
                }
            }
            #expect(wrong?.isRefused == true, "\(String(describing: wrong))")
            #expect(wrong?.connackCode == 5 || wrong?.connackCode == 4, "\(String(describing: wrong))")
            let text = wrong?.description ?? ""
            #expect(!text.contains("wr0ng-pw"), "\(text)")
            #expect(text.hasPrefix("mqtt://alice:***@127.0.0.1:\(server.port): the broker refused the connection: "), "\(text)")
            #expect(text.contains("user name and password") || text.contains("bad user name or password"), "\(text)")
            #expect(wrong?.isInfrastructure == true)
            #expect(elapsed < .seconds(30), "a refusal must not wait for the 60 s connect timeout: \(elapsed)")

            let missing = await #expect(throws: MQTTError.self) {
                _ = try await MQTTConnection.connect(MQTTOptions(url: server.url))
            }
            #expect(missing?.isRefused == true, "\(String(describing: missing))")
        }
    }

    @Test("an unreachable port fails fast; bad URLs and host names fail with what to fix")
    func unreachable() async throws {
        let port = try ScriptedServer.closedPort()
        let url = "mqtt://bob:pw-s3cret@127.0.0.1:\(port)"
        // A long connect timeout: a refusal taken for a silent broker would wait all of it, so half of it tells
        // the two apart with room for a loaded machine.
        let (error, elapsed) = await timed {
            await #expect(throws: MQTTError.self) {
                _ = try await MQTTConnection.connect(MQTTOptions(url: url, connectTimeout: .seconds(60)))
            }
        }
        #expect(error?.isUnreachable == true, "\(String(describing: error))")
        #expect(error?.description == "cannot connect to mqtt://bob:***@127.0.0.1:\(port): connection refused "
                + "(is an MQTT broker listening there?)")
        #expect(elapsed < .seconds(30), "a refusal must not wait for the 60 s connect timeout: \(elapsed)")

        let dns = await #expect(throws: MQTTError.self) {
            _ = try await MQTTConnection.connect(MQTTOptions(url: "mqtt://u:pw-s3cret@no-such-host.invalid"))
        }
        #expect(dns?.isDNSFailure == true, "\(String(describing: dns))")
        #expect(dns?.description.contains("pw-s3cret") == false)
        for bad in ["http://127.0.0.1:1883", "mqtt://", "mqtt://h:1/path", "mqtt://h:99999", "127.0.0.1:1883"] {
            let invalid = await #expect(throws: MQTTError.self) { _ = try await MQTTConnection.connect(MQTTOptions(url: bad)) }
            #expect(invalid?.isInvalidURL == true, "\(bad): \(String(describing: invalid))")
        }
    }

    @Test("a server that accepts TCP but never answers CONNECT: a timeout at the connect deadline, not a hang")
    func silentServer() async throws {
        let server = try ScriptedServer { peer, _ in _ = peer.waitForEOF() }
        let url = "mqtt://u:s3cret@127.0.0.1:\(server.port)"
        let (error, elapsed) = await timed {
            await #expect(throws: MQTTError.self) {
                _ = try await MQTTConnection.connect(MQTTOptions(url: url, connectTimeout: .seconds(1)))
            }
        }
        #expect(error?.isTimeout == true, "\(String(describing: error))")
        #expect(error?.description == "mqtt://u:***@127.0.0.1:\(server.port): timed out after 1 s waiting for the broker's CONNACK")
        // The deadline was waited for, and ended the wait: well before the server would give up (30 s).
        #expect(elapsed >= .milliseconds(950) && elapsed < .seconds(10), "took \(elapsed)")
        try await server.finish()
    }

    @Test("broker killed and restarted on the same port: disconnected, reconnected, messages flow on the same subscription")
    func restart() async throws {
        try await withBroker(.mosquitto) { server in
            try await withMQTTConnection(MQTTOptions(url: server.url)) { receiver in
                let log = StreamRecorder(receiver.events)
                try await receiver.subscribe(["rs/+"], qos: 1)
                try await receiver.subscribe(["rs0/#"], qos: 0)
                try await withMQTTConnection(MQTTOptions(url: server.url)) { sender in
                    try await sender.publish("rs/before", text: "before", qos: 1)
                }
                try await log.wait(for: "the message before the kill") { $0.messages.count == 1 }
                server.kill()
                try await log.wait(for: "the disconnect") { $0.contains { $0.isDisconnected } }
                #expect(!receiver.isConnected)
                let down = await #expect(throws: MQTTError.self) { try await receiver.publish("rs/x", text: "x") }
                #expect(down?.isConnectionLost == true, "\(String(describing: down))")
                try await server.restart()
                try await log.wait(for: "the reconnect", timeout: .seconds(10)) { $0.contains { $0.isReconnected } }
                #expect(receiver.isConnected)
                try await withMQTTConnection(MQTTOptions(url: server.url)) { sender in
                    try await sender.publish("rs/after", text: "back", qos: 1)
                    try await sender.publish("rs0/deep/after", text: "back too", qos: 1)
                }
                let messages = try await log.wait(for: "two messages after the restart") { $0.messages.count == 3 }.messages
                #expect(messages.map(\.text) == ["before", "back", "back too"])
                #expect(log.items.map(\.kind) == ["message", "disconnected", "reconnected", "message", "message"],
                        "\(log.items.map(\.kind))")
                if case .disconnected(let reason, let at)? = log.items.first(where: { $0.isDisconnected }),
                   case .reconnected(let back)? = log.items.first(where: { $0.isReconnected }) {
                    #expect(!reason.isEmpty)
                    #expect(at < back)
                }
                // The connection still works both ways after the restart.
                #expect(try await receiver.subscribe(["rs2/x"], qos: 2) == [2])
                try await receiver.publish("rs2/x", text: "self", qos: 2)
                try await log.wait(for: "the message to itself") { $0.messages.count == 4 }
            }
        }
    }

    @Test("mqtts://: verified by default (a self-signed broker fails), a CA file or insecure gets through")
    func tls() async throws {
        let certificate = try await offThePool { try SelfSignedCertificate() }
        defer { certificate.remove() }
        let broker = Broker.mosquitto.with("certfile \(certificate.certificateFile)", "keyfile \(certificate.keyFile)")
        try await withBroker(broker) { server in
            let url = "mqtts://127.0.0.1:\(server.port)"
            let untrusted = await #expect(throws: MQTTError.self) {
                _ = try await MQTTConnection.connect(MQTTOptions(url: url, connectTimeout: .seconds(3)))
            }
            #expect(untrusted?.isTLSFailure == true, "\(String(describing: untrusted))")

            let trusted = MQTTOptions(url: "mqtts://localhost:\(server.port)", tls: TLSOptions(caFile: certificate.certificateFile))
            try await withMQTTConnection(trusted) { mqtt in
                let log = StreamRecorder(mqtt.events)
                try await mqtt.subscribe(["secure/#"])
                try await mqtt.publish("secure/1", text: "over TLS", qos: 1)
                let message = try await log.wait(for: "the message") { $0.messages.count == 1 }.messages[0]
                #expect(message.text == "over TLS")
            }
            try await withMQTTConnection(MQTTOptions(url: url, tls: TLSOptions(insecure: true))) { mqtt in
                #expect(mqtt.isConnected)
            }
            let plain = await #expect(throws: MQTTError.self) {
                _ = try await MQTTConnection.connect(MQTTOptions(url: "mqtt://127.0.0.1:\(server.port)", connectTimeout: .seconds(2)))
            }
            #expect(plain?.isConnectionLost == true, "\(String(describing: plain))")
            #expect(plain?.description.contains("closed before the broker answered CONNECT") == true)
            let missing = await #expect(throws: MQTTError.self) {
                _ = try await MQTTConnection.connect(MQTTOptions(url: url, tls: TLSOptions(caFile: "/nonexistent/ca.pem")))
            }
            #expect(missing?.isTLSFailure == true, "\(String(describing: missing))")
        }
    }

    @Test("a QoS 1 message published while the broker is down is kept and sent after the reconnect")
    func publishWhileDown() async throws {
        try await withBroker(.mosquitto) { server in
            let options = MQTTOptions(url: server.url, acknowledgementTimeout: .seconds(10))
            try await withMQTTConnection(options) { sender in
                let log = StreamRecorder(sender.events)
                server.kill()
                try await log.wait(for: "the disconnect") { $0.contains { $0.isDisconnected } }
                let pending = Task { try await sender.publish("kept/1", text: "kept", qos: 1, retain: true) }
                try await Task.sleep(for: .milliseconds(200))
                try await server.restart()
                try await within(.seconds(10), "the acknowledgement after the reconnect") { try await pending.value }
                try await withMQTTConnection(MQTTOptions(url: server.url)) { reader in
                    let readerLog = StreamRecorder(reader.events)
                    try await reader.subscribe(["kept/#"])
                    let message = try await readerLog.wait(for: "the kept message") { $0.messages.count == 1 }.messages[0]
                    #expect(message.text == "kept" && message.retained)
                }
            }
        }
    }

    @Test("close finishes the stream; close is idempotent; work after close fails as closed")
    func closeFinishesStream() async throws {
        try await withBroker(.mosquitto) { server in
            let mqtt = try await MQTTConnection.connect(MQTTOptions(url: server.url))
            let log = StreamRecorder(mqtt.events)
            try await mqtt.subscribe(["c/#"])
            try await mqtt.publish("c/1", text: "one", qos: 1)
            try await log.wait(for: "the message") { $0.messages.count == 1 }
            let (_, elapsed) = await timed { await mqtt.close() }
            #expect(elapsed < .seconds(2), "close must not wait for the server: \(elapsed)")
            let events = try await log.waitUntilFinished(timeout: .seconds(2))
            #expect(events.map(\.kind) == ["message"])
            #expect(!mqtt.isConnected)
            await mqtt.close()
            let late = await #expect(throws: MQTTError.self) { try await mqtt.publish("c/2", text: "late") }
            #expect(late?.isClosed == true, "\(String(describing: late))")
            let sub = await #expect(throws: MQTTError.self) { try await mqtt.subscribe(["c/3"]) }
            #expect(sub?.isClosed == true, "\(String(describing: sub))")

            // withMQTTConnection closes when the body throws, too.
            struct Boom: Error {}
            var kept: MQTTConnection?
            await #expect(throws: Boom.self) {
                try await withMQTTConnection(MQTTOptions(url: server.url)) { mqtt in
                    kept = mqtt
                    throw Boom()
                }
            }
            let keptLog = StreamRecorder(try #require(kept).events)
            try await keptLog.waitUntilFinished(timeout: .seconds(2))

            // Dropping the last reference without close() closes it as well.
            var dropped: MQTTConnection? = try await MQTTConnection.connect(MQTTOptions(url: server.url))
            let droppedLog = StreamRecorder(try #require(dropped).events)
            dropped = nil
            try await droppedLog.waitUntilFinished(timeout: .seconds(2))

            // Closing while the broker is down (libmosquitto between reconnect attempts) is prompt too.
            let orphan = try await MQTTConnection.connect(MQTTOptions(url: server.url))
            let orphanLog = StreamRecorder(orphan.events)
            server.kill()
            try await orphanLog.wait(for: "the disconnect") { $0.contains { $0.isDisconnected } }
            try await Task.sleep(for: .milliseconds(300))
            let (_, downClose) = await timed { await orphan.close() }
            #expect(downClose < .milliseconds(1500), "close took \(downClose)")
            #expect(try await orphanLog.waitUntilFinished(timeout: .seconds(2)).map(\.kind) == ["disconnected"])
        }
    }

    @Test("topics: malformed filters and publish topics are refused locally; unsubscribe stops delivery")
    func topics() async throws {
        try await withBroker(.mosquitto) { server in
            try await withMQTTConnection(MQTTOptions(url: server.url)) { mqtt in
                let log = StreamRecorder(mqtt.events)
                for bad in ["a/#/b", "a+/b", "", "#x"] {
                    let error = await #expect(throws: MQTTError.self) { try await mqtt.subscribe([bad]) }
                    #expect(error?.isInvalidTopic == true, "\(bad): \(String(describing: error))")
                    #expect(error?.isInfrastructure == false)
                }
                for bad in ["a/+", "a/#", ""] {
                    let error = await #expect(throws: MQTTError.self) { try await mqtt.publish(bad, text: "x") }
                    #expect(error?.isInvalidTopic == true, "\(bad): \(String(describing: error))")
                }
                await #expect(throws: MQTTError.self) { try await mqtt.publish("open/a", text: "x", qos: 3) }
                await #expect(throws: MQTTError.self) { try await mqtt.subscribe(["open/a"], qos: -1) }
                #expect(mqtt.subscribedTopics.isEmpty)

                try await mqtt.subscribe(["open/a", "open/c"])
                try await mqtt.publish("open/a", text: "1", qos: 1)
                try await log.wait(for: "the message on open/a") { $0.messages.count == 1 }
                try await mqtt.unsubscribe(["open/a"])
                #expect(mqtt.subscribedTopics == ["open/c"])
                try await mqtt.publish("open/a", text: "2", qos: 1)
                try await mqtt.subscribe(["open/b"])
                try await mqtt.publish("open/b", text: "3", qos: 1)
                let messages = try await log.wait(for: "the message on open/b") { $0.messages.count == 2 }.messages
                #expect(messages.map(\.text) == ["1", "3"])
            }
        }
    }

    @Test("a broker that refuses a topic in its SUBACK (0x80): the error names it, the rest stays subscribed")
    func subscriptionRefused() async throws {
        let server = try ScriptedServer { peer, _ in
            try FakeBroker.handshake(peer)
            let (type, body) = try FakeBroker.readPacket(peer)
            guard type == 0x82 else { throw ScriptFailure("expected SUBSCRIBE, got \(type)") }
            let requests = FakeBroker.subscriptions(body)
            let codes = requests.map { $0.topic.hasPrefix("secret/") ? UInt8(0x80) : $0.qos }
            try peer.write([0x90, UInt8(2 + codes.count), body[0], body[1]] + codes)
            // The next SUBSCRIBE goes unanswered: the client's deadline must end the wait.
            let (next, _) = try FakeBroker.readPacket(peer)
            guard next == 0x82 else { throw ScriptFailure("expected a second SUBSCRIBE, got \(next)") }
            _ = peer.waitForEOF()
        }
        let options = MQTTOptions(url: "mqtt://127.0.0.1:\(server.port)", acknowledgementTimeout: .seconds(1))
        try await withMQTTConnection(options) { mqtt in
            let refused = await #expect(throws: MQTTError.self) { try await mqtt.subscribe(["open/a", "secret/x"], qos: 2) }
            #expect(refused?.refusedTopics == ["secret/x"], "\(String(describing: refused))")
            #expect(refused?.description == "mqtt://127.0.0.1:\(server.port): the broker refused the subscription to "
                    + "secret/x (SUBACK 0x80; check the broker's ACL)")
            #expect(refused?.isInfrastructure == false)
            #expect(mqtt.subscribedTopics == ["open/a"])

            let (silent, elapsed) = await timed {
                await #expect(throws: MQTTError.self) { try await mqtt.subscribe(["open/b"]) }
            }
            #expect(silent?.isTimeout == true, "\(String(describing: silent))")
            #expect(silent?.description.contains("waiting for the SUBACK for open/b") == true)
            // The acknowledgement deadline was waited for, and ended the wait (the server holds on for 30 s).
            #expect(elapsed >= .milliseconds(950) && elapsed < .seconds(10), "took \(elapsed)")
            #expect(mqtt.subscribedTopics == ["open/a"])
        }
        try await server.finish()
    }

    @Test("CONNACK return codes are explained: 4 is a bad user name or password, 2 a rejected client ID")
    func connackCodes() async throws {
        for (code, words) in [(UInt8(4), "bad user name or password"), (2, "client identifier rejected")] {
            let server = try ScriptedServer { peer, _ in
                let (type, _) = try FakeBroker.readPacket(peer)
                guard type == 0x10 else { throw ScriptFailure("expected CONNECT, got \(type)") }
                try peer.write([0x20, 0x02, 0x00, code])
                _ = peer.waitForEOF()
            }
            let url = "mqtt://carol:t0p-secret@127.0.0.1:\(server.port)"
            let error = await #expect(throws: MQTTError.self) { _ = try await MQTTConnection.connect(MQTTOptions(url: url)) }
            #expect(error?.connackCode == Int(code))
            #expect(error?.description == "mqtt://carol:***@127.0.0.1:\(server.port): the broker refused the connection: "
                    + "\(words) (CONNACK \(code))")
            try await server.finish()
        }
    }
}

/// Just enough of an MQTT 3.1.1 broker, for scripted servers.
enum FakeBroker {
    /// Reads one packet: its type byte and its body.
    static func readPacket(_ peer: TestPeer) throws -> (type: UInt8, body: [UInt8]) {
        let type = try peer.read(exactly: 1)[0]
        var length = 0, shift = 0
        while true {
            let byte = try peer.read(exactly: 1)[0]
            length |= Int(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
            guard shift < 28 else { throw ScriptFailure("bad remaining length") }
        }
        return (type, length == 0 ? [] : try peer.read(exactly: length))
    }

    /// Reads CONNECT and accepts it.
    static func handshake(_ peer: TestPeer) throws {
        let (type, _) = try readPacket(peer)
        guard type == 0x10 else { throw ScriptFailure("expected CONNECT, got \(type)") }
        try peer.write([0x20, 0x02, 0x00, 0x00])
    }

    /// The topic filters and QoS of a SUBSCRIBE body (after the packet id).
    static func subscriptions(_ body: [UInt8]) -> [(topic: String, qos: UInt8)] {
        var out: [(String, UInt8)] = []
        var i = 2
        while i + 2 <= body.count {
            let n = Int(body[i]) << 8 | Int(body[i + 1])
            guard i + 2 + n < body.count else { break }
            out.append((String(decoding: body[(i + 2)..<(i + 2 + n)], as: UTF8.self), body[i + 2 + n]))
            i += 3 + n
        }
        return out
    }
}

extension MQTTEvent {
    var message: MQTTMessage? {
        if case .message(let m) = self { return m }
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
        }
    }
}

extension Array where Element == MQTTEvent {
    var messages: [MQTTMessage] { compactMap(\.message) }
}
