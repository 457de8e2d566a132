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
}
