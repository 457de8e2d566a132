import ArgumentParser
import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldRunner

/// `herald tail CHANNEL… --contract FILE --as ACTOR`: live events of a contract's channels, for debugging by hand.
struct TailCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Print live events of a contract's channels, connected as one of its actors.",
        discussion: """
            Uses the contract's services, channel definitions and the actor's setup steps (so a test user with a fresh
            token works as it does in a run), then prints every frame received or sent, and every connect and
            disconnect, until Ctrl-C or --for. The contract's cleanup steps run at the end. Secrets are masked.
            """)

    @Argument(help: "The channels to watch.")
    var channels: [String]

    @Option(name: [.customShort("c"), .customLong("contract")], help: "The contract file that defines the channels.")
    var contract: String

    @Option(name: .customLong("as"), help: "The actor whose connection to open: buyer, seller[1], …")
    var actor: String?

    @Option(name: .customLong("for"), help: "Stop after this long (2s, 500ms, 1m); default: until Ctrl-C.")
    var duration: String?

    @OptionGroup var inputs: ContractInputs

    func validate() throws {
        if let duration, DurationText.parse(duration) == nil {
            throw ValidationError("--for takes a duration with a unit, like 30s or 500ms; got '\(duration)'")
        }
    }

    func run() async throws {
        let plans: [ContractPlan]
        do {
            (plans, _) = try RunSession.plan(paths: [contract], inputs: inputs)
        } catch let error as ContractErrors {
            Terminal.err(error.description)
            throw ExitStatus.invalidContract.exitCode
        }
        guard plans.count == 1, let plan = plans.first else {
            Terminal.err("herald: --contract names one contract file; \(contract) holds \(plans.count)")
            throw ExitStatus.invalidContract.exitCode
        }
        let reference = try actor.map { try Self.actorReference($0) }
        let options = RunnerOptions(
            insecure: inputs.insecure,
            progress: { p in Terminal.progress("\(p.contract) · \(p.activity)") },
            onEntry: { live in if let line = Self.line(live) { Terminal.clearProgress(); Terminal.out(line) } })
        let limit = duration.flatMap(DurationText.parse)
        let channels = self.channels
        let (outcome, _): (Result<ContractResult, InfrastructureError>, Bool) = await RunSession.withInterruptHandling {
            do {
                return .success(try await Runner.tail(plan, channels: channels, actor: reference, duration: limit, options: options))
            } catch let error as InfrastructureError {
                return .failure(error)
            } catch {
                return .failure(InfrastructureError("\(error)"))
            }
        }
        let result: ContractResult
        switch outcome {
        case .success(let r): result = r
        case .failure(let error):
            Terminal.err("herald: \(error)")
            throw ExitStatus.infrastructure.exitCode
        }
        Terminal.clearProgress()
        if let infra = result.infrastructureError {
            Terminal.err("herald: \(infra)")
            throw ExitStatus.infrastructure.exitCode
        }
    }

    static func actorReference(_ text: String) throws -> ActorReference {
        let here = SourceLocation(file: "--as", line: 1, column: 1)
        guard let open = text.firstIndex(of: "["), text.hasSuffix("]") else {
            return ActorReference(name: text, index: nil, location: here)
        }
        guard let n = Int(text[text.index(after: open)..<text.index(before: text.endIndex)]), n >= 0 else {
            throw ValidationError("--as takes an actor like buyer or seller[1]; got '\(text)'")
        }
        return ActorReference(name: String(text[..<open]), index: n, location: here)
    }

    /// One line per frame and connection event; HTTP traffic of setup steps is left out.
    static func line(_ live: LiveEntry) -> String? {
        let e = live.entry
        let head = "+\(DurationText.format(live.origin.duration(to: e.at)))  \(e.actor ?? "-")  \(e.channel ?? "-")"
        switch e.event {
        case .frame(let f): return "\(head)  ← \(f.subject.map { "\($0)  " } ?? "")\(f.text)"
        case .sent(let f): return "\(head)  → \(f.subject.map { "\($0)  " } ?? "")\(f.text)"
        case .connected(let c): return "\(head)  connected \(c.url)"
        case .disconnected(let d):
            let code = d.code.map { " \($0)" } ?? ""
            return "\(head)  disconnected\(code)\(d.reason.isEmpty ? "" : " \(d.reason)")\(d.expected ? "" : " (unexpected)")"
        default: return nil
        }
    }
}
