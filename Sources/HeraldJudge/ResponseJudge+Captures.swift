import HeraldContract
import HeraldCore

extension ResponseJudge {
    /// The verdict for the capture `name` (written at `location`) that found nothing in `response`: a failed `body`
    /// verdict, reason `missing`, with the response body as evidence. The step stops on it.
    public static func missingCapture(_ name: String, at location: SourceLocation?, response: ObservedResponse,
                                      contract: String, step: String, idPrefix: String) -> Verdict {
        Verdict(id: "\(idPrefix) › capture \(name)", contract: contract, step: step, kind: .body, outcome: .failed,
                reason: .missing, message: "capture \(name): nothing found in the response", location: location,
                evidence: [Evidence(role: .observed, seq: response.seq, text: response.body.plainText)])
    }
}
