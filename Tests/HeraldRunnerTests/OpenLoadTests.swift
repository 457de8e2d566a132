import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
@testable import HeraldRunner
import Testing

/// Open-model load runs (`--rate`) against fake channel links: flows start on their schedule, each records how late
/// it started, and a limit on the flows under way makes later ones late or dropped, never silently absent.
@Suite("runner: open-model load runs")
struct OpenLoadTests {
    static func open(_ yaml: String, rate: String, maxInFlight: Int? = nil, on server: FakeServer) async throws -> LoadLevel {
        let plan = try Planner.plan(try ContractLoader.parse(yaml, file: "fake.yaml"), options: RunOptions(environment: [:]))
        var options = RunnerOptions()
        options.connector = server.connector
        let load = LoadOptions(levels: [], rounds: 1, rates: [try Rate(rate)], maxInFlight: maxInFlight)
        let result = await LoadRunner.run([plan], load: load, options: options)
        return try #require(result.levels.first)
    }

    @Test("every scheduled flow starts, with a position and a run id of its own and how late it started")
    func schedule() async throws {
        let server = FakeServer { event, link, _ in
            if case .received(let text) = event, !text.contains("subscribe") { link.push(text) }
        }
        let level = try await Self.open(LoadRunTests.hello, rate: "4/200ms", on: server)
        #expect(level.rate == "4/200ms")
        #expect(level.flows.count == 4 && level.dropped == 0, "dropped \(level.dropped), \(level.duration), \(level.flows.map { "\($0.lag!) \($0.contract.duration)" })")
        #expect(level.flows.allSatisfy { $0.lag != nil && $0.contract.status(strict: false) == .passed },
                "\(level.flows.flatMap(\.contract.verdicts).map(\.message))")
        #expect(Set(level.flows.map { "\($0.worker)/\($0.round)" }) == ["0/1", "1/1", "2/1", "3/1"])
        let hellos = server.links.filter { $0.actor == "buyer" }.flatMap(\.sent).filter { $0.contains("hello") }
        let ids = hellos.compactMap { (try? JSONParser.parse($0))?["id"]?.stringValue }
        #expect(Set(ids).count == 4, "\(ids)")
        #expect(level.workers >= 1)
    }

    @Test("with one flow under way at most, flows slower than the interval start late or are dropped, and their time from the schedule counts the wait")
    func limited() async throws {
        // Each flow takes at least 150 ms; one is scheduled every 100 ms, and only one may be under way.
        let slow = contract(steps: """
              - sleep: 150ms
            """)
        let level = try await Self.open(slow, rate: "10/1s", maxInFlight: 1, on: FakeServer())
        let scheduled = 10
        #expect(level.flows.count + level.dropped == scheduled, "every scheduled flow ran or was dropped")
        // Flow k ≥ 1 cannot start before k × 150 ms, later than its k × 100 ms.
        #expect(level.late + level.dropped >= scheduled - 1, "late \(level.late), dropped \(level.dropped)")
        #expect(level.dropped >= 1, "the schedule ends at 1 s; ten flows of 150 ms one after another need 1.5 s")
        #expect(level.workers == 1)
        for flow in level.flows.dropFirst() {
            #expect((flow.lag ?? .zero) > LoadLevel.lateAfter)
        }
    }
}
