import Foundation

/// A change of the marketplace's state, as the backend publishes it on NATS: subject `market.<type>`, payload
/// the JSON of ``payload``.
///
/// The payload always has `type`, `at` (ISO 8601, UTC, milliseconds) and `buyerId`; the ids that apply to the
/// event (`requestId`, `offerId`, `orderId`) and `sellerId` (the seller of the offer or order), or `sellerIds`
/// for `request.created` (every seller the request was sent to). Keys are sorted, the JSON is compact.
struct DomainEvent: Sendable, Equatable {
    /// What happened: `request.created`, `offer.created`, `offer.accepted`, `offer.rejected`, `order.created`,
    /// `payment.processing`, `payment.succeeded`, `order.paid`, `order.delivered`.
    let type: String
    /// When the state changed.
    let at: Date
    let buyerId: String
    var sellerId: String?
    var sellerIds: [String]?
    var requestId: String?
    var offerId: String?
    var orderId: String?

    /// The NATS subject: `market.<type>`.
    var subject: String { "market.\(type)" }

    /// The JSON payload.
    var payload: String { JSON.text(Payload(event: self)) }

    private struct Payload: Encodable {
        let event: DomainEvent

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: FieldName.self)
            try container.encode(event.type, forKey: FieldName("type"))
            try container.encode(Timestamp.iso(event.at), forKey: FieldName("at"))
            try container.encode(event.buyerId, forKey: FieldName("buyerId"))
            try container.encodeIfPresent(event.sellerId, forKey: FieldName("sellerId"))
            try container.encodeIfPresent(event.sellerIds, forKey: FieldName("sellerIds"))
            try container.encodeIfPresent(event.requestId, forKey: FieldName("requestId"))
            try container.encodeIfPresent(event.offerId, forKey: FieldName("offerId"))
            try container.encodeIfPresent(event.orderId, forKey: FieldName("orderId"))
        }
    }

    /// `request.created`.
    static func requestCreated(_ request: PurchaseRequest, at time: Date) -> DomainEvent {
        DomainEvent(type: "request.created", at: time, buyerId: request.buyerId, sellerIds: request.sellerIds,
                    requestId: request.id)
    }

    /// `offer.created`, `offer.accepted` or `offer.rejected` (`orderId` for an accepted offer).
    static func offer(_ type: String, _ offer: Offer, buyerId: String, orderId: String? = nil, at time: Date) -> DomainEvent {
        DomainEvent(type: type, at: time, buyerId: buyerId, sellerId: offer.sellerId, requestId: offer.requestId,
                    offerId: offer.id, orderId: orderId)
    }

    /// An event of an order: `order.created`, `payment.processing`, `payment.succeeded`, `order.paid`, `order.delivered`.
    static func order(_ type: String, _ order: Order, requestId: String?, at time: Date) -> DomainEvent {
        DomainEvent(type: type, at: time, buyerId: order.buyerId, sellerId: order.sellerId, requestId: requestId,
                    offerId: order.offerId, orderId: order.id)
    }
}
