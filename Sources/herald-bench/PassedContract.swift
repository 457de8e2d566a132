import HeraldCore

extension RunResult {
    /// The only contract of a bench run, when it ran without an infrastructure error and every verdict passed;
    /// otherwise a failure that says why (`what` names the contract: "idle", "trigger").
    func passedContract(_ what: String) throws -> ContractResult {
        guard let contract = contracts.first else { throw BenchFailure("the \(what) contract did not run") }
        if let infra = contract.infrastructureError {
            throw BenchFailure("the \(what) contract hit an infrastructure error: \(infra)")
        }
        let failed = contract.verdicts.filter { $0.outcome != .passed }
        guard exitStatus == .passed, failed.isEmpty else {
            throw BenchFailure("the \(what) contract did not pass (exit status \(exitStatus)): "
                               + failed.prefix(3).map { "\($0.id): \($0.message)" }.joined(separator: "; "))
        }
        return contract
    }
}
