import HeraldContract
import HeraldCore
import HeraldPlan
@testable import HeraldRunner
import Testing

/// `--jobs N`: contracts side by side, each lane on its own execution thread, results in the plans' order.
@Suite("runner: jobs")
struct JobsTests {
    /// A contract named `name` whose one step waits out a quiet window: it lasts at least `window`.
    static func quiet(_ name: String, window: String = "300ms") -> String {
        contract(steps: """
              - send: inbox
                as: buyer
                json: { action: ping }
                events:
                  - { channel: inbox, as: buyer, absent: { type: never }, within: \(window) }
            """).replacingOccurrences(of: "contract: fake", with: "contract: \(name)")
    }

    static func plans(_ yamls: [String]) throws -> [ContractPlan] {
        try yamls.map { try Planner.plan(try ContractLoader.parse($0, file: "fake.yaml"), options: RunOptions(environment: [:])) }
    }

    @Test("with jobs 3, three contracts run side by side and their results keep the plans' order")
    func sideBySide() async throws {
        var options = RunnerOptions()
        options.connector = FakeServer().connector
        options.jobs = 3
        let result = await Runner.run(try Self.plans(["a", "b", "c"].map { Self.quiet($0) }), options: options)
        #expect(result.contracts.map(\.name) == ["a", "b", "c"])
        #expect(result.exitStatus == .passed)
        // Each contract's span on the monotonic clock: every one started before any other ended.
        let spans = result.contracts.map { ($0.origin, $0.origin.advanced(by: $0.duration)) }
        let lastStart = spans.map(\.0).max()!, firstEnd = spans.map(\.1).min()!
        #expect(lastStart < firstEnd, "the contracts did not overlap")
    }

    @Test("with jobs 1 they run one after another; with fail-fast, a failure leaves the contracts not started skipped")
    func sequentialAndFailFast() async throws {
        var options = RunnerOptions(failFast: true)
        options.connector = FakeServer().connector
        let failing = contract(steps: """
              - send: inbox
                as: buyer
                json: { action: ping }
                events:
                  - { channel: inbox, as: buyer, match: { type: pong }, within: 200ms }
            """).replacingOccurrences(of: "contract: fake", with: "contract: failing")
        let result = await Runner.run(try Self.plans([Self.quiet("a", window: "100ms"), failing, Self.quiet("c", window: "100ms")]),
                                      options: options)
        #expect(result.contracts.map(\.name) == ["a", "failing"])
        #expect(result.skipped == ["c"])
        let (a, f) = (result.contracts[0], result.contracts[1])
        #expect(a.origin.advanced(by: a.duration) <= f.origin, "one after another")
        #expect(result.exitStatus == .failed)
    }
}
