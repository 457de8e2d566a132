import HeraldContract
import HeraldCore
import HeraldPlan
import Testing

/// The planner resolves before the run what does not depend on run-time values.
@Suite("planner") struct PlannerTests {
    static let contract = """
        contract: planned
        defaults: { within: 750ms }
        services:
          api: { url: "http://127.0.0.1:1" }
          bus: "nats://127.0.0.1:2"
        actors:
          buyer: {}
          seller: { count: 2 }
        channels:
          inbox: { websocket: "api /ws", for: [buyer, seller] }
          orders: { nats: "bus orders.>" }
        steps:
          - http: POST api /orders
            events:
              - { channel: inbox, match: { type: a }, recipients: [seller] }
              - { channel: inbox, as: "seller[1]", absent: { type: b }, within: 2s }
              - { channel: orders, sequence: [ { type: a }, { type: b } ] }
        """

    @Test("connections per channel and each expectation's watch: actor, recipients, subscribers, window")
    func resolvesWatches() throws {
        let c = try ContractLoader.parse(Self.contract, file: "p.yaml")
        let plan = try Planner.plan(c, options: RunOptions(environment: [:]))
        #expect(plan.connections(of: c.channels[0]).map { $0?.description } == ["buyer", "seller[0]", "seller[1]"])
        #expect(plan.connections(of: c.channels[1]).map { $0?.description } == [nil], "a shared connection")

        let events = c.steps[0].events
        let recipients = plan.watch(events[0])
        #expect(recipients == WatchPlan(kindName: "recipients", actor: nil, recipients: ["seller[0]", "seller[1]"],
                                        subscribers: ["buyer", "seller[0]", "seller[1]"], within: .milliseconds(750)))
        let absent = plan.watch(events[1])
        #expect(absent.kindName == "absent" && absent.actor == "seller[1]" && absent.recipients == nil && absent.within == .seconds(2))
        let sequence = plan.watch(events[2])
        #expect(sequence.kindName == "sequence" && sequence.subscribers.isEmpty && sequence.within == .milliseconds(750))
        #expect(plan.watches.count == 3, "every expectation is planned before the run")
    }

    @Test("each step's label, id prefix, progress line and actor; a matcher without templates compiled once, one with them not")
    func resolvesSteps() throws {
        let c = try ContractLoader.parse(Self.contract + """

              - name: as the second seller
                http: POST api /offers
                as: "seller[1]"
                events:
                  - { channel: inbox, match: { worker: "${worker.index}" } }
            """, file: "p.yaml")
        let plan = try Planner.plan(c, options: RunOptions(environment: [:]))
        let first = plan.step(0), second = plan.step(1)
        #expect(first.label == "step 1: POST api /orders" && first.idPrefix == "planned › step 1" && first.actor == nil)
        #expect(first.progress == "step 1/2: POST api /orders")
        #expect(second.label == "step 2: as the second seller" && second.actor?.description == "seller[1]")
        #expect(plan.planned(c.steps[0].events[0]).compiled != nil, "no template: compiled by the planner")
        #expect(plan.planned(c.steps[1].events[0]).compiled == nil, "a template: compiled once rendered, when the step runs")
    }
}

/// `${worker.index}` and `${round}`: a load run's position of the flow, worker 0 and round 1 in a plain run.
@Suite("flow position") struct FlowPositionTests {
    @Test("a plain run binds worker 0 and round 1; a flow its own position")
    func bindings() throws {
        let text = """
            contract: flows
            services:
              api: { url: "http://127.0.0.1:1" }
            steps:
              - http: POST api /users
                json: { name: "u-${worker.index}-${round}" }
            """
        let plan = try Planner.plan(try ContractLoader.parse(text, file: "f.yaml"), options: RunOptions(environment: [:]))
        let plain = try Bindings(plan: plan)
        #expect(try Template("${worker.index}/${round}").renderString(in: plain) == "0/1")
        var flowPlan = plan
        flowPlan.options.flow = FlowPosition(worker: 3, round: 2)
        #expect(try Template("u-${worker.index}-${round}").renderString(in: try Bindings(plan: flowPlan)) == "u-3-2")
    }
}

/// A contract's `load:` and `thresholds:`.
@Suite("load declarations") struct LoadDeclarationTests {
    @Test("load: and thresholds: are read with their levels, rounds and conditions")
    func reads() throws {
        let c = try ContractLoader.parse("""
            contract: loaded
            load: { concurrency: [1, 2, 4], rounds: 3 }
            thresholds: ["http.p95<300ms", wrong_recipients==0]
            services:
              api: { url: "http://127.0.0.1:1" }
            steps:
              - http: GET api /health
            """, file: "l.yaml")
        #expect(c.load?.concurrency == [1, 2, 4] && c.load?.rounds == 3)
        #expect(c.load?.location.line == 2)
        #expect(c.thresholds.map(\.description) == ["http.p95<300ms", "wrong_recipients==0"])
        let single = try ContractLoader.parse("""
            contract: one level
            load: { concurrency: 8 }
            services:
              api: { url: "http://127.0.0.1:1" }
            steps:
              - http: GET api /health
            """, file: "o.yaml")
        #expect(single.load?.concurrency == [8] && single.load?.rounds == 1 && single.thresholds.isEmpty)
    }
}

/// Open-model rates (`--rate`, `load: { rate: … }`) and the thresholds that read them.
@Suite("rates") struct RateTests {
    @Test("a rate is flows per period; a bare unit is one of it; levels are comma-separated")
    func reads() throws {
        let r = try Rate("100/900s")
        #expect(r.count == 100 && r.period == .seconds(900) && r.interval == .seconds(9) && r.description == "100/900s")
        #expect(try Rate("5/s").interval == .milliseconds(200))
        #expect(try Rate("2/1m").interval == .seconds(30))
        #expect(try Rate.list("1/s,2/s,4/s").map(\.count) == [1, 2, 4])
    }

    @Test("a rate without a count, a period or a unit, or faster than a flow a millisecond, says how to write one")
    func refuses() {
        for bad in ["", "5", "0/s", "x/s", "5/", "5/900", "5/-1s", "10000/1s"] {
            #expect(throws: Rate.ParseError.self, "\(bad)") { try Rate(bad) }
        }
        do { _ = try Rate("5/900") } catch { #expect(error.description.contains("900s, 1m or s")) }
    }

    @Test("thresholds on flows and the open model: flow and scheduled percentiles, late, dropped and throttled counts")
    func thresholds() throws {
        #expect(try Threshold("flow.p95<2s").metric == .flow(percentile: 95))
        #expect(try Threshold("scheduled.max<=3s").metric == .scheduled(percentile: 100))
        #expect(try Threshold("scheduled.max<=3s").limit == 3000)
        #expect(try Threshold("flows.late==0").metric == .flowsLate)
        #expect(try Threshold("flows.dropped==0").metric == .flowsDropped)
        #expect(try Threshold("throttled<5").metric == .throttled)
        #expect(throws: Threshold.ParseError.self) { try Threshold("queue.p95<1s") }
    }

    @Test("load: takes a rate (levels of rates), a limit on flows under way, and a duration instead of rounds")
    func declared() throws {
        let c = try ContractLoader.parse("""
            contract: paced
            load: { rate: [1/s, 2/s], concurrency: 20, duration: 30s }
            services:
              api: { url: "http://127.0.0.1:1" }
            steps:
              - http: GET api /health
            """, file: "r.yaml")
        #expect(c.load?.rates.map(\.description) == ["1/s", "2/s"])
        #expect(c.load?.concurrency == [20] && c.load?.duration == .seconds(30))
        #expect(c.load?.summary == "rate 1/s, 2/s (at most 20 under way) for 30s")
    }
}

/// `latency:` on an event expectation.
@Suite("latency bounds") struct LatencyBoundTests {
    @Test("latency: reads percentiles and max with their times")
    func reads() throws {
        let c = try ContractLoader.parse("""
            contract: timed
            services:
              api: { url: "http://127.0.0.1:1" }
            channels:
              inbox: { websocket: "api /ws" }
            steps:
              - http: GET api /health
                events:
                  - { channel: inbox, match: { type: x }, latency: { p95: 200ms, p99.9: 1s, max: 2s } }
            """, file: "t.yaml")
        let limits = try #require(c.steps.first?.events.first?.latency)
        #expect(limits == [LatencyLimit(percentile: 95, ms: 200), LatencyLimit(percentile: 99.9, ms: 1000), LatencyLimit(percentile: 100, ms: 2000)])
    }
}

/// `max_message_size` on a WebSocket channel.
@Suite("WebSocket message size") struct MessageSizeTests {
    static func channel(_ size: String) throws -> Channel? {
        try ContractLoader.parse("""
            contract: sized
            services:
              api: { url: "http://127.0.0.1:1" }
            channels:
              feed: { websocket: "api /ws", max_message_size: \(size) }
            steps:
              - sleep: 1ms
            """, file: "s.yaml").channels.first
    }

    @Test("max_message_size takes bytes, KiB, MiB or GiB; anything else says how to write it")
    func sizes() throws {
        #expect(try Self.channel("1048576")?.maxMessageSize == 1 << 20)
        #expect(try Self.channel("512KiB")?.maxMessageSize == 512 << 10)
        #expect(try Self.channel("64MiB")?.maxMessageSize == 64 << 20)
        for bad in ["0", "16MB", "big", "-1KiB"] {
            #expect(throws: ContractErrors.self, "\(bad)") { try Self.channel(bad) }
        }
    }
}
