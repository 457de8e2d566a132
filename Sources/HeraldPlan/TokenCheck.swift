import HeraldContract
import HeraldCore
import HeraldSigning

/// Checks a contract's `tokens:` and `sign:` before anything runs: names that clash, references, and every key and
/// secret that can be known before the run (from a file, the environment, `vars:` or `--var`): readable, of the type
/// its algorithm needs.
struct TokenCheck {
    let plan: ContractPlan

    var contract: Contract { plan.contract }

    func check() throws(Diagnostic) {
        guard !contract.tokens.isEmpty || hasSignatures else { return }
        let mint = TokenMint(tokens: contract.tokens, contractFile: contract.file, keyring: plan.keyring)
        // The values known before the run; a key or secret that needs a capture is checked when it is used. A
        // variable that holds a token is left out: its key is what is being checked.
        var known = plan
        known.contract.tokens = []
        known.contract.variables.removeAll { v in v.value.templateReferences.contains { mint.declarations[$0.root] != nil } }
        let scope = try? Bindings(plan: known)
        let captured = ReferenceChecker(plan: plan).captured
        for token in contract.tokens {
            var clash: String?
            if contract.variables.contains(where: { $0.name == token.name }) { clash = "a variable under vars:" }
            else if plan.options.variables[token.name] != nil { clash = "a --var" }
            else if captured.contains(token.name) { clash = "a capture" }
            else if contract.actor(token.name) != nil { clash = "an actor" }
            if let clash {
                throw Diagnostic("token '\(token.name)' has the name of \(clash), so ${\(token.name)} would be ambiguous",
                                 at: token.location, hint: "rename one of them")
            }
            if let inner = token.references.first(where: { mint.declarations[$0.root] != nil }) {
                throw Diagnostic("token '\(token.name)' uses ${\(inner)}, another token", at: token.location,
                                 hint: "a token's claims and key are variables, captures or the environment, not tokens")
            }
            guard let scope, canRender(token.references, in: scope) else { continue }
            do {
                _ = try mint.key(of: token, in: scope)
            } catch let error as SigningError {
                throw Diagnostic("token '\(token.name)': \(error.message)", at: token.keyLocation, hint: error.hint)
            } catch {
                throw Diagnostic("token '\(token.name)': \(error)", at: token.keyLocation)
            }
        }
        for sign in signatures {
            guard let scope, canRender(sign.secret.references, in: scope) else { continue }
            do {
                _ = try TokenMint.secret(sign.secret, sign.secretEncoding, in: scope, redactor: nil)
            } catch let error as SigningError {
                throw Diagnostic("sign: \(error.message)", at: sign.secret.location ?? sign.location, hint: error.hint)
            } catch {
                throw Diagnostic("sign: \(error)", at: sign.location)
            }
        }
    }

    /// Whether every reference has a value before the run (no capture, actor or token).
    private func canRender(_ refs: [VariableReference], in scope: Bindings) -> Bool {
        refs.allSatisfy { ref in ref.fallback != nil || ref.root == "env" && scope.value(for: ref) != nil
            || scope.variables[ref.root] != nil }
    }

    private var allSteps: [Step] { contract.steps + contract.cleanup + contract.actors.flatMap(\.setup) }

    private var signatures: [BodySignature] {
        allSteps.compactMap { step in
            switch step.action {
            case .http(let h): h.sign
            case .poll(let p): p.request.sign
            default: nil
            }
        }
    }

    private var hasSignatures: Bool { !signatures.isEmpty }
}
