/// A deliberate misbehaviour of the demo backend, switched on to check that contracts catch it.
///
/// Every defect is off by default and each one can be switched on independently of the others.
public enum DemoDefect: String, CaseIterable, Sendable {
    /// On accept, `offer.accepted` is also delivered to the first other seller who had an offer on the request.
    case wrongRecipient = "wrong-recipient"
    /// The buyer's `payment.succeeded` notification is never produced.
    case missingEvent = "missing-event"
    /// The buyer's `payment.processing` is held back and delivered after `payment.succeeded`.
    case reorder
    /// The accepted seller receives `offer.accepted` twice (the same notification, same id).
    case duplicate
    /// The accepted seller receives `offer.accepted` only after ``DemoBackendConfiguration/slowDelay``.
    case slow

    /// A one-line description of what the defect does, for help texts.
    public var summary: String {
        switch self {
        case .wrongRecipient: "offer.accepted also reaches a rejected seller"
        case .missingEvent: "payment.succeeded is never sent"
        case .reorder: "payment.processing arrives after payment.succeeded"
        case .duplicate: "offer.accepted is delivered twice"
        case .slow: "offer.accepted is delivered late (--slow-ms)"
        }
    }
}
