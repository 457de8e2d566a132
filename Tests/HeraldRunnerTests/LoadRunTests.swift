import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
@testable import HeraldRunner
import Synchronization
import Testing

/// Load runs against fake channel links: every flow runs the contract with actors, connections and a run id of its
/// own, at each level in turn.
@Suite("runner: load runs")
struct LoadRunTests {
    /// A buyer that says hello with its worker, round and run id; the server echoes what it is sent.
    static let hello = contract(steps: """
          - send: inbox
            as: buyer
            json: { action: hello, w: "${worker.index}", r: "${round}", id: "${run.id}" }
            events:
              - channel: inbox
                as: buyer
                match: { action: hello, w: "${worker.index}", r: "${round}" }
        """)

    static func load(_ yaml: String, levels: [Int], rounds: Int, failFast: Bool = false,
                     on server: FakeServer) async throws -> LoadResult {
        let plan = try Planner.plan(try ContractLoader.parse(yaml, file: "fake.yaml"), options: RunOptions(environment: [:]))
        var options = RunnerOptions(failFast: failFast)
        options.connector = server.connector
        return await LoadRunner.run([plan], load: LoadOptions(levels: levels, rounds: rounds), options: options)
    }

    @Test("each level runs workers × rounds flows, each with its own worker, round, run id and connections")
    func levels() async throws {
        let server = FakeServer { event, link, _ in
            if case .received(let text) = event, !text.contains("subscribe") { link.push(text) }
        }
        let result = try await Self.load(Self.hello, levels: [1, 2], rounds: 2, on: server)
        #expect(result.levels.map(\.workers) == [1, 2])
        #expect(result.levels.map(\.flows.count) == [2, 4])
        #expect(result.exitStatus == .passed, "\(result.levels.flatMap(\.flows).flatMap(\.contract.verdicts).map(\.message))")
        let positions = result.levels.map { Set($0.flows.map { "\($0.worker)/\($0.round)" }) }
        #expect(positions == [["0/1", "0/2"], ["0/1", "0/2", "1/1", "1/2"]])
        // What each flow's buyer sent: its own worker and round, and a run id no other flow has.
        let hellos = server.links.filter { $0.actor == "buyer" }.flatMap(\.sent).filter { $0.contains("hello") }
        #expect(hellos.count == 6)
        let ids = hellos.compactMap { (try? JSONParser.parse($0))?["id"]?.stringValue }
        #expect(Set(ids).count == 6, "\(ids)")
        // Three actors per flow, each with a connection of its own.
        #expect(server.links.count == 18)
    }

    @Test("with --fail-fast, the first failed flow stops the run: no later round or level starts")
    func failFast() async throws {
        let server = FakeServer()  // echoes nothing: every hello goes unanswered
        let result = try await Self.load(Self.hello, levels: [1, 4], rounds: 3, failFast: true, on: server)
        #expect(result.stoppedEarly)
        #expect(result.exitStatus == .failed)
        #expect(result.levels.count == 1 && result.levels[0].flows.count == 1)
    }
}
