import HeraldContract
import HeraldCore
import HeraldPlan

extension Payload {
    /// The message as text, variables bound: JSON encoded, or the text rendered.
    func renderedText(in scope: Bindings) throws -> String {
        switch self {
        case .json(let j): try j.rendered(in: scope).encoded()
        case .text(let t): try t.renderString(in: scope)
        }
    }

    /// Whether it is JSON (a request then says `Content-Type: application/json`).
    var isJSON: Bool { if case .json = self { true } else { false } }
}
