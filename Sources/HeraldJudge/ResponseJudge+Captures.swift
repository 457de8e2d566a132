import HeraldContract
import HeraldCore

extension ResponseJudge {
    /// The verdict for the capture `name` (written at `location`) that found nothing in `response`: a failed `body`
    /// verdict, reason `missing`, with the response body, passed through `mask`, as evidence. The step stops on it.
    ///
    /// The caller masks with its redactor as it stands when the capture is missed, after binding the step's earlier
    /// captures (a captured token is then masked in the body too).
    public static func missingCapture(_ name: String, at location: SourceLocation?, response: ObservedResponse,
                                      contract: String, step: String, idPrefix: String,
                                      mask: (String) -> String) -> Verdict {
        Verdict(id: "\(idPrefix) › capture \(name)", contract: contract, step: step, kind: .body, outcome: .failed,
                reason: .missing, message: "capture \(name): nothing found in the response", location: location,
                evidence: [Evidence(role: .observed, seq: response.seq, text: mask(response.body.plainText))])
    }
}
