import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan

/// `herald validate`: loading and planning without running.
enum Validation {
    static func validate(paths: [String], vars: [String]) -> ExitStatus {
        var variables: [String: String] = [:]
        for v in vars { if let eq = v.firstIndex(of: "=") { variables[String(v[..<eq])] = String(v[v.index(after: eq)...]) } }
        do {
            let contracts = try ContractLoader.load(paths: paths)
            _ = try Planner.plan(contracts, options: RunOptions(variables: variables, requireEnvironment: false))
            for c in contracts {
                Terminal.out("✔ \(c.file): \(c.name) (\(c.steps.count) step\(c.steps.count == 1 ? "" : "s"), \(c.steps.reduce(0) { $0 + $1.events.count }) event expectation\(c.steps.reduce(0) { $0 + $1.events.count } == 1 ? "" : "s"))")
            }
            return .passed
        } catch let error as ContractErrors {
            Terminal.err(error.description)
            return .invalidContract
        } catch {
            Terminal.err("\(error)")
            return .invalidContract
        }
    }
}
