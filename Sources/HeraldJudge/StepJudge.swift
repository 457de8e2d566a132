import HeraldContract
import HeraldCore

/// Judges a step that could not run, and what it leaves unchecked. Pure functions, like ``EventJudge``.
public enum StepJudge {
    /// A step that cannot run because a variable it uses has no value: a failed `step` verdict, reason
    /// `unresolved`, at the reference's location when it is known (else `location`, the step's). `summary` is the
    /// action's summary.
    public static func cannotRun(_ summary: String, _ error: TemplateError, contract: String, step: String,
                                 idPrefix: String, location: SourceLocation?) -> Verdict {
        Verdict(id: "\(idPrefix) › step", contract: contract, step: step, kind: .step, outcome: .failed,
                reason: .unresolved, message: "cannot run \(summary): \(error)", location: error.location ?? location)
    }

    /// A cleanup step that cannot run because a variable it uses has no value (typically a capture of a setup that
    /// never ran, so there is nothing to clean up): a `step` verdict, not run, reason `unresolved`, at the step's
    /// `location`.
    public static func skipped(_ summary: String, _ error: TemplateError, contract: String, step: String,
                               idPrefix: String, location: SourceLocation?) -> Verdict {
        Verdict(id: "\(idPrefix) › step", contract: contract, step: step, kind: .step, outcome: .notRun,
                reason: .unresolved, message: "skipped \(summary): \(error)", location: location)
    }
}
