import Foundation

/// What a test user is in the marketplace.
enum Role: String, Codable, Sendable {
    case buyer
    case seller
}

/// A test user and the bearer token that authenticates them.
struct User: Encodable, Sendable {
    let id: String
    let token: String
    let role: Role
    let name: String
}

/// A buyer's request for offers, addressed to chosen sellers.
struct PurchaseRequest: Encodable, Sendable {
    /// Where a request stands.
    enum Status: String, Encodable, Sendable {
        case open = "OPEN"
        case closed = "CLOSED"
    }

    let id: String
    let title: String
    let buyerId: String
    let sellerIds: [String]
    var status: Status
}

/// A seller's priced answer to a request.
struct Offer: Encodable, Sendable {
    /// Where an offer stands.
    enum Status: String, Encodable, Sendable {
        case pending = "PENDING"
        case accepted = "ACCEPTED"
        case rejected = "REJECTED"
    }

    let id: String
    let requestId: String
    let sellerId: String
    let price: Double
    var status: Status
}

/// The order created when a buyer accepts an offer.
///
/// Its JSON (``GET /orders/{id}``, and the Redis cache) has every field below; `updatedAt` is the ISO 8601 time
/// of the last change, with milliseconds, and is what `Last-Modified` is derived from.
struct Order: Encodable, Sendable {
    /// Where an order stands: awaiting payment → payment pending → paid → delivered.
    enum Status: String, Encodable, Sendable {
        case awaitingPayment = "AWAITING_PAYMENT"
        case paymentPending = "PAYMENT_PENDING"
        case paid = "PAID"
        case delivered = "DELIVERED"
    }

    let id: String
    var status: Status
    let buyerId: String
    let sellerId: String
    let offerId: String
    let price: Double
    /// When the order was created or last changed.
    var updatedAt: Date
    /// Counts the changes of the order (not part of its JSON); the cache fills only a body of the current version.
    var version = 1

    private enum CodingKeys: String, CodingKey {
        case id, status, buyerId, sellerId, offerId, price, updatedAt
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(status, forKey: .status)
        try container.encode(buyerId, forKey: .buyerId)
        try container.encode(sellerId, forKey: .sellerId)
        try container.encode(offerId, forKey: .offerId)
        try container.encode(price, forKey: .price)
        try container.encode(Timestamp.iso(updatedAt), forKey: .updatedAt)
    }

    /// Records a change: a new status, a new `updatedAt` and a new version.
    mutating func change(to status: Status, at time: Date) {
        self.status = status
        updatedAt = time
        version += 1
    }
}
