import FuzzSupport
import HeraldContract
import HeraldCore
import HeraldPlan

/// The input as a contract file's text, through what `herald validate` does with it: load, then plan. A diagnostic is
/// a fine answer; the target checks that it points into the text, and that loading the same text again gives the
/// same answer (for a quarter of the inputs).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzContractLoader(_ start: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: start, count: size)
    // ContractLoader.load(file:) refuses bytes that are not UTF-8 before parsing them.
    guard let text = String(validating: bytes, as: UTF8.self) else { return 0 }
    let first = outcome(text)
    let lines = Lines(text)
    for d in first.diagnostics {
        require(d.location.file == "fuzz.yaml", "\(d)")
        require(lines.contains(line: d.location.line, column: d.location.column), "outside the text (\(lines.count) lines): \(d)")
        require(!d.message.isEmpty, "\(d)")
    }
    // Loading is most of the time of a run: a quarter of the inputs, chosen by their size, are loaded a second time.
    if size % 4 == 0 {
        let second = outcome(text)
        require(first == second, "loaded twice, two answers:\n\(first)\n\(second)")
    }
    return 0
}

/// What loading and planning a text gives: diagnostics, or a description of the plan.
struct Outcome: Equatable {
    var diagnostics: [Diagnostic] = []
    var plan = ""
}

func outcome(_ text: String) -> Outcome {
    do {
        let contract = try ContractLoader.parse(text, file: "fuzz.yaml")
        let plan = try Planner.plan(contract, options: RunOptions(variables: [:], environment: [:], runID: "fuzz",
                                                                   requireEnvironment: false))
        return Outcome(plan: "\(plan.actors) \(contract.name) \(contract.steps.map { "\($0.location) \($0.label)" })")
    } catch let errors as ContractErrors {
        require(!errors.diagnostics.isEmpty, "ContractErrors without a diagnostic")
        return Outcome(diagnostics: errors.diagnostics)
    } catch let d as Diagnostic {
        return Outcome(diagnostics: [d])
    } catch {
        require(false, "neither a diagnostic nor ContractErrors: \(error)"); return Outcome()
    }
}

/// The lines of a text as libyaml counts them: a line ends with CR LF, LF, CR, NEL, LS or PS; columns count
/// Unicode scalars, from 1.
struct Lines {
    var lengths: [Int] = [0]
    var count: Int { lengths.count }

    init(_ text: String) {
        var previousCR = false
        for scalar in text.unicodeScalars {
            defer { previousCR = scalar == "\r" }
            switch scalar {
            case "\n" where previousCR: continue
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}": lengths.append(0)
            default: lengths[lengths.count - 1] += 1
            }
        }
    }

    /// Whether `line:column` is a character of the text, the end of a line, or the end of the text.
    func contains(line: Int, column: Int) -> Bool {
        line >= 1 && line <= lengths.count && column >= 1 && column <= lengths[line - 1] + 1
    }
}
