import Synchronization

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
    /// `GET /orders/{id}` keeps serving the cached body: a change of the order does not delete its Redis key
    /// `order:<id>` (no `del` keyspace event), so the old body and the old ETag are served until the key expires.
    case staleCache = "stale-cache"
    /// The accepted seller's `offer.accepted` is also mirrored to a rejected seller's MQTT topic
    /// (`users/<rejectedSellerId>/notifications`). The WebSocket, SSE and NATS are unaffected.
    case wrongTopic = "wrong-topic"
    /// The market feed (`/ws/market`) does not send its welcome when a client connects; the snapshot and the
    /// heartbeat still come.
    case noWelcome = "no-welcome"
    /// A shared buffer remembers the last accepted seller: an accept that follows another buyer's accept within
    /// ``CrossTalk/window`` also delivers its `offer.accepted` to that seller. One flow at a time never overlaps
    /// another, so only concurrent flows (a load run) reveal it.
    case crossTalk = "cross-talk"
    /// `/ws/notifications` accepts a bearer token that belongs to nobody, and streams the notifications of the user
    /// created last to it: anyone can read another tenant's stream.
    case openStream = "open-stream"
    /// With a database, the row of an order is never written (the API still answers as if it were).
    case missingRow = "missing-row"
    /// With a database, a recharge's row records its amount in cents (×100).
    case wrongAmount = "wrong-amount"
    /// A background job skips ASSIGNED: QUEUED → PROCESSING → COMPLETED.
    case skippedState = "skipped-state"
    /// A device's access token keeps working after it expired.
    case acceptsExpired = "accepts-expired"
    /// A payment webhook is accepted whatever its signature.
    case unsignedWebhook = "unsigned-webhook"

    /// A one-line description of what the defect does, for help texts.
    public var summary: String {
        switch self {
        case .wrongRecipient: "offer.accepted also reaches a rejected seller"
        case .missingEvent: "payment.succeeded is never sent"
        case .reorder: "payment.processing arrives after payment.succeeded"
        case .duplicate: "offer.accepted is delivered twice"
        case .slow: "offer.accepted is delivered late (--slow-ms)"
        case .staleCache: "GET /orders/{id} keeps serving the cached body"
        case .wrongTopic: "offer.accepted also goes to a rejected seller's MQTT topic"
        case .noWelcome: "the market feed does not greet a client on connect"
        case .crossTalk: "offer.accepted also reaches the seller of another buyer's accept made just before (concurrent flows only)"
        case .openStream: "/ws/notifications accepts a token that belongs to nobody, and streams another user's notifications to it"
        case .missingRow: "with --database, an accepted offer's order row is never written"
        case .wrongAmount: "with --database, a recharge's row holds its amount in cents"
        case .skippedState: "a background job skips ASSIGNED (QUEUED → PROCESSING → COMPLETED)"
        case .acceptsExpired: "a device's access token keeps working after it expired"
        case .unsignedWebhook: "a payment webhook is accepted whatever its signature"
        }
    }
}

/// The `cross-talk` defect's shared buffer: the seller and buyer of the last accept, and when it happened.
final class CrossTalk: Sendable {
    /// How close two accepts must be for the second to leak to the first's seller.
    static let window: Duration = .seconds(2)

    private struct Last {
        var seller: String
        var buyer: String
        var at: ContinuousClock.Instant
    }

    private let last = Mutex<Last?>(nil)

    /// Records an accept by `buyer` of `seller`'s offer, and returns the seller of another buyer's accept made within
    /// the window before it, if any.
    func accepted(seller: String, buyer: String) -> String? {
        let now = ContinuousClock.now
        return last.withLock { last in
            defer { last = Last(seller: seller, buyer: buyer, at: now) }
            guard let previous = last, previous.buyer != buyer, previous.at.duration(to: now) < Self.window else { return nil }
            return previous.seller
        }
    }
}
