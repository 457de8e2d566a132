import HeraldContract
import HeraldCore
import Testing

@Suite("contracts with broker channels, publish steps and cache checks")
struct BrokerContractTests {
    static let text = """
        contract: broker kinds
        services:
          api: "http://127.0.0.1:8080"
          bus: "nats://127.0.0.1:4222"
          cache: "redis://127.0.0.1:6379"
          broker: "mqtt://127.0.0.1:1883"
        actors:
          buyer: {}
        channels:
          orders: { nats: "bus market.>", queue: workers }
          keys: { redis: cache, keyspace: "order:*", enable_keyspace_events: true }
          news: { redis: "cache news.*" }
          phone: { mqtt: "broker users/${actor.id}/inbox", for: [buyer], qos: 2, username: "${actor.id}", password: "${actor.token}" }
          feed: { sse: "api /sse", for: [buyer], headers: { Authorization: "Bearer ${actor.token}" } }
        steps:
          - publish: "bus market.order.created"
            json: { type: order.created }
            headers: { Trace: abc }
            events:
              - channel: orders
                subject: market.order.created
                match: { type: order.created }
              - channel: news
                sequence:
                  - { topic: news.a, match: x }
                  - { type: y }
          - request: "bus svc.echo"
            text: hi
            timeout: 1s
            expect: { body: hi }
          - redis: "cache SET order:1 v"
          - redis: cache
            command: [DEL, "order:1"]
            cache:
              - key: "cache order:1"
                absent: true
                within: 1s
              - revalidates: GET api /orders/1
                as: buyer
                body: { status: PAID }
                known_gap: MKT-9
          - publish: "broker users/1/inbox"
            text: hello
            qos: 1
            retain: true
        """

    @Test("every kind loads with its options, and steps and expectations carry what was written")
    func loads() throws {
        let c = try ContractLoader.parse(Self.text, file: "b.yaml")
        #expect(c.channels.map(\.kind) == [.nats, .redis, .redis, .mqtt, .sse])
        #expect(c.channel("orders")?.broker.queue == "workers")
        #expect(c.channel("orders")?.target.raw == "market.>")
        #expect(c.channel("keys")?.broker.keyspace == true)
        #expect(c.channel("keys")?.broker.enableKeyspaceEvents == true)
        #expect(c.channel("keys")?.service == "cache")
        #expect(c.channel("keys")?.target.raw == "order:*")
        #expect(c.channel("news")?.broker.keyspace == false)
        #expect(c.channel("phone")?.broker.qos == 2)
        #expect(c.channel("phone")?.broker.password?.raw == "${actor.token}")
        guard case .publish(let p) = c.steps[0].action else { Issue.record("not a publish: \(c.steps[0].action)"); return }
        #expect(p.service == "bus" && p.subject.raw == "market.order.created" && p.headers.first?.name == "Trace")
        #expect(c.steps[0].events[0].subject != nil)
        guard case .sequence(let items, _) = c.steps[0].events[1].kind else { Issue.record("not a sequence"); return }
        #expect(items[0].subject != nil && items[1].subject == nil, "the first item is a spec, the second a bare matcher")
        guard case .request(let r) = c.steps[1].action else { Issue.record("not a request"); return }
        #expect(r.timeout == .seconds(1))
        #expect(c.steps[1].response.body != nil)
        guard case .redis(let one) = c.steps[2].action, case .redis(let two) = c.steps[3].action else { Issue.record("not redis"); return }
        #expect(one.command.map(\.raw) == ["SET", "order:1", "v"])
        #expect(two.command.map(\.raw) == ["DEL", "order:1"])
        #expect(c.steps[3].caches.count == 2)
        guard case .redisKey(let service, let key) = c.steps[3].caches[0].target, case .absent = c.steps[3].caches[0].condition else {
            Issue.record("not a key check"); return
        }
        #expect(service == "cache" && key.raw == "order:1" && c.steps[3].caches[0].within == .seconds(1))
        guard case .http(let h) = c.steps[3].caches[1].target, case .revalidates(let body) = c.steps[3].caches[1].condition else {
            Issue.record("not a revalidation"); return
        }
        #expect(h.method == "GET" && body != nil && c.steps[3].caches[1].knownGap == "MKT-9" && c.steps[3].caches[1].actor?.name == "buyer")
        guard case .publish(let m) = c.steps[4].action else { Issue.record("not a publish"); return }
        #expect(m.qos == 1 && m.retain)
    }

    @Test("misplaced options say where they belong", arguments: [
        ("channels:\n  c: { websocket: \"api /ws\", queue: q }", "'queue' does not apply to a websocket channel"),
        ("channels:\n  c: { nats: \"bus a\", nats2: 1 }", "unknown key 'nats2'"),
        ("channels:\n  c: { nats: \"nats://127.0.0.1:4222/a\" }", "a nats channel needs a service"),
        ("channels:\n  c: { redis: \"cache a\", keyspace: \"k:*\" }", "with keyspace:, redis: names the service only"),
        ("channels:\n  c: { redis: \"cache a\", enable_keyspace_events: true }", "enable_keyspace_events needs keyspace:"),
        ("channels:\n  c: { mqtt: \"bus t\", qos: 3 }", "qos must be 0, 1 or 2"),
    ])
    func misplaced(_ channels: String, _ message: String) {
        let text = "contract: x\nservices:\n  api: \"http://h\"\n  bus: \"nats://h\"\n  cache: \"redis://h\"\n\(channels)\nsteps:\n  - sleep: 1ms\n"
        #expect { try ContractLoader.parse(text, file: "x.yaml") } throws: { error in
            "\(error)".contains(message)
        }
    }

    @Test("steps: each broker action takes only its own keys")
    func stepKeys() {
        let head = "contract: x\nservices:\n  api: \"http://h\"\n  bus: \"nats://h\"\n  cache: \"redis://h\"\nsteps:\n"
        for (step, message) in [
            ("  - publish: \"bus a\"\n    json: {}\n    expect: { status: 200 }", "'expect' does not belong to a publish step"),
            ("  - publish: \"bus a\"", "publish needs the message"),
            ("  - redis: \"cache GET k\"\n    command: [GET, k]", "the command is written twice"),
            ("  - http: GET api /x\n    qos: 1", "'qos' does not belong to a http step"),
            ("  - http: GET api /x\n    cache:\n      - key: \"cache k\"", "say what must become true of the key"),
            ("  - http: GET api /x\n    cache:\n      - revalidates: POST api /x", "revalidation asks with GET or HEAD"),
        ] {
            #expect("\(step)") { try ContractLoader.parse(head + step + "\n", file: "x.yaml") } throws: { error in
                "\(error)".contains(message)
            }
        }
    }

    @Test("headers: is for NATS channels, whose messages carry them")
    func headersOnlyOnNATS() throws {
        let head = "contract: x\nservices:\n  bus: \"nats://h\"\n  cache: \"redis://h\"\nchannels:\n  o: { nats: \"bus a.>\" }\n  n: { redis: \"cache n\" }\nsteps:\n  - sleep: 1ms\n    events:\n"
        let c = try ContractLoader.parse(head + "      - { channel: o, headers: { Trace-Id: t-1 }, match: {} }\n", file: "h.yaml")
        #expect(c.steps[0].events[0].headers.map(\.name) == ["Trace-Id"])
        #expect { try ContractLoader.parse(head + "      - { channel: n, headers: { Trace-Id: t-1 }, match: {} }\n", file: "h.yaml") } throws: {
            "\($0)".contains("only NATS messages carry headers")
        }
    }
}
