import HeraldContract
import HeraldCore

/// Judges a `shell:` step from how its command ended. A pure function, like ``EventJudge``.
public enum ShellJudge {
    /// How much of the output's end a failure shows, in characters.
    public static let evidenceLimit = 2000

    /// The `command` verdict: passed on exit status 0; failed as `timeout` when `status` is `nil` (the command was
    /// killed at its `timeout`), as `mismatch` on any other status. A failure shows the last ``evidenceLimit``
    /// characters of `output` (secrets are masked where the result is shown, the judge knows none).
    public static func judge(status: Int32?, output: String, timeout: Duration, contract: String, step: String,
                             idPrefix: String, location: SourceLocation?) -> Verdict {
        func verdict(_ outcome: Verdict.Outcome, _ reason: Verdict.Reason?, _ message: String) -> Verdict {
            Verdict(id: "\(idPrefix) › command", contract: contract, step: step, kind: .command, outcome: outcome,
                    reason: reason, message: message, location: location,
                    evidence: outcome == .passed ? [] : [Evidence(role: .observed, text: String(output.suffix(evidenceLimit)))])
        }
        guard let status else { return verdict(.failed, .timeout, "timed out after \(DurationText.format(timeout))") }
        return status == 0 ? verdict(.passed, nil, "exited 0") : verdict(.failed, .mismatch, "exited \(status)")
    }
}
