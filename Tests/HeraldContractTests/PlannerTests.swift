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
