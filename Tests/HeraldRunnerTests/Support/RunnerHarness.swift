import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
@testable import HeraldRunner
import Testing

/// The start of every contract here: a buyer and two sellers, each with its own connection on the WebSocket channel
/// `inbox` of a service that is never dialled, and short windows.
func contract(ready: Bool = false, steps: String) -> String {
    """
    contract: fake
    defaults: { within: 500ms, connect_timeout: 500ms }
    services:
      api: { url: "http://fake.invalid" }
    actors:
      buyer: {}
      seller: { count: 2 }
    channels:
      inbox:
        websocket: "api /ws/inbox"
        for: [buyer, seller]
    \(ready ? "    on_open: [ { json: { action: subscribe } } ]\n    ready: { type: subscribed }" : "")
    steps:
    \(steps)
    """
}

/// Loads, plans and runs one contract (ContractLoader → Planner → Runner.run) with its channels opened on `server`.
func run(_ yaml: String, on server: FakeServer) async throws -> ContractResult {
    let loaded = try ContractLoader.parse(yaml, file: "fake.yaml")
    let plan = try Planner.plan(loaded, options: RunOptions(environment: [:]))
    var options = RunnerOptions()
    options.connector = server.connector
    let result = await Runner.run([plan], options: options)
    if let c = result.contracts.first, ProcessInfo.processInfo.environment["HDEBUG"] != nil { print("DEBUG", c.verdicts.map { "\($0.id) \($0.outcome) \($0.message)" }, c.infrastructureError ?? "-") }
    return try #require(result.contracts.first)
}

extension ContractResult {
    /// The verdict whose id ends with `suffix` ("step 1 › match #1").
    func verdict(_ suffix: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Verdict {
        try #require(verdicts.first { $0.id.hasSuffix(suffix) }, "no verdict \(suffix) in \(verdicts.map(\.id))",
                     sourceLocation: sourceLocation)
    }

    /// Whether every channel stayed up and nothing stopped the contract.
    var ranClean: Bool { infrastructureError == nil && !verdicts.contains { $0.kind == .connection } }
}
