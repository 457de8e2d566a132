import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import HeraldTransport

/// The phases of a contract driven one at a time (`ContractSession`, `herald agent`).
extension ContractExecution {
    /// Health checks, actor setup, channels behind the readiness barrier, then the steps no action names. Returns
    /// whether all of it ran.
    func prepareSession(engine: SharedWebSocketEngine?) async -> Bool {
        await recordingFailures {
            let ws = contract.channels.contains { $0.kind == .websocket }
            try await prepare(engine: ws ? try engine?.engine() : nil)
            try await runSteps { $0.actionName == nil }
        }
    }

    /// Binds values an orchestrator learnt elsewhere, as captures: `${name}` resolves to them from now on.
    func bindData(_ values: [String: JSONValue]) {
        for (name, value) in values.sorted(by: { $0.key < $1.key }) { bind(name, value, for: nil) }
    }

    /// Runs the steps of action `name`, in order. Returns whether they all ran.
    func runAction(_ name: String) async -> Bool {
        await recordingFailures { try await runSteps { $0.actionName == name } }
    }

    /// Sets what is told when a step's action is done.
    func onActed(_ hook: (@Sendable (SourceLocation) -> Void)?) { acted = hook }

    /// How many verdict slots there are now: where the next phase's verdicts start.
    var slotCount: Int { slots.count }

    /// The verdicts of slots from `first` on, as far as they are decided (masked), and how many are still pending.
    func verdicts(from first: Int) -> (verdicts: [Verdict], pending: Int) {
        var out: [Verdict] = []
        var pending = 0
        for slot in slots[min(first, slots.count)...] {
            switch slot {
            case .fixed(let v): out.append(v)
            case .event(_, _, let decided?): out.append(decided)
            case .event: pending += 1
            }
        }
        return (out.map { redactor.mask($0) }, pending)
    }

    /// The contract's `outputs:`, rendered with what is known now; those that cannot be rendered yet (a capture of a
    /// later action) are left out. Masked.
    func outputs() -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (name, value, _) in contract.outputs {
            if let v = try? value.rendered(in: bindings) { out[name] = redactor.redact(v) }
        }
        return out
    }

    /// The infrastructure error that stopped a phase, if any (masked).
    var failure: String? { infrastructureError.map { redactor.redact($0) } }
}
