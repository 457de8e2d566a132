import HeraldContract
import HeraldCore

extension ConnectionJudge {
    /// The verdict of a connection that must be refused (`expect: { refused: … }`), a pure function of what the server
    /// answered: `refusal` (`nil` when it accepted the connection) and `detail` (its error, or where it connected).
    /// Passes when it refused as `expected` says; fails `unexpected` when it accepted, `mismatch` when it refused
    /// otherwise. Id: `contract › channel NAME[ ACTOR] › refused`.
    public static func refusal(_ expected: Refusal, answered refusal: ConnectionRefusal?, detail: String, channel: String,
                               actor: String?, contract: String) -> Verdict {
        let whose = actor.map { " of \($0)" } ?? ""
        let outcome: Verdict.Outcome
        let reason: Verdict.Reason?
        let message: String
        if let answered = refusal {
            if Self.answers(answered, expected.answer) {
                (outcome, reason) = (.passed, nil)
                message = "the connection\(whose) on '\(channel)' was refused (\(answered))"
            } else {
                (outcome, reason) = (.failed, .mismatch)
                message = "the connection\(whose) on '\(channel)' was refused with \(answered), not \(expected.summary)"
            }
        } else {
            (outcome, reason) = (.failed, .unexpected)
            message = "the connection\(whose) on '\(channel)' was accepted; it must be refused (\(expected.summary))"
        }
        return Verdict(id: "\(contract) › channel \(channel)\(actor.map { " \($0)" } ?? "") › refused", contract: contract,
                       step: "channel \(channel)", kind: .connection, outcome: outcome, reason: reason, message: message,
                       location: expected.location,
                       evidence: [Evidence(role: refusal == nil ? .unexpected : .observed, actor: actor, channel: channel, text: detail)])
    }

    /// Whether `answered` is one of the refusals `expected` allows.
    private static func answers(_ answered: ConnectionRefusal, _ expected: Refusal.Answer) -> Bool {
        switch (answered, expected) {
        case (.status(let s), .status(let allowed)): allowed.contains(s)
        case (.notAuthorised, .notAuthorised): true
        default: false
        }
    }
}
