import Foundation
import Synchronization

/// What accepting an offer changed, so the right people can be told.
struct AcceptOutcome: Sendable {
    /// The accepted offer.
    let offer: Offer
    /// The order created for it.
    let order: Order
    /// The other offers on the request that were still pending and are now rejected, oldest first.
    let rejected: [Offer]
    /// The first other seller who had any offer on the request (the `wrong-recipient` defect's victim).
    let firstOtherSeller: String?
}

/// The marketplace's domain state: users, requests, offers and orders, behind one lock.
///
/// Every operation checks who may do it and what state allows it, and throws an ``APIError`` otherwise.
/// Every change of a request, offer or order is reported to `onChange` as ``DomainEvent``s, under the same lock
/// as the change itself, so the reports come in the order the state changed.
final class Store: Sendable {
    private struct State {
        var users: [String: User] = [:]
        var userIDsByToken: [String: String] = [:]
        var requests: [String: PurchaseRequest] = [:]
        var offers: [String: Offer] = [:]
        /// Offer ids per request, in creation order.
        var offerIDsByRequest: [String: [String]] = [:]
        var orders: [String: Order] = [:]
        var lastID = 0

        mutating func nextID(_ prefix: String) -> String {
            lastID += 1
            return "\(prefix)-\(lastID)"
        }
    }

    private let state = Mutex(State())
    private let onChange: @Sendable ([DomainEvent]) -> Void

    /// Creates an empty store that reports its changes to `onChange` (called with the store locked: it must
    /// only queue them).
    init(onChange: @escaping @Sendable ([DomainEvent]) -> Void = { _ in }) {
        self.onChange = onChange
    }

    // MARK: Users

    /// Creates a user with a fresh random token; the name defaults to role + id.
    func createUser(role: Role, name: String?) -> User {
        state.withLock { state in
            let id = state.nextID("u")
            let token = Self.makeToken()
            let user = User(id: id, token: token, role: role, name: name ?? "\(role.rawValue)-\(id)")
            state.users[id] = user
            state.userIDsByToken[token] = id
            return user
        }
    }

    /// Deletes a user (their token stops working); false when there is no such user.
    func deleteUser(id: String) -> Bool {
        state.withLock { state in
            guard let user = state.users.removeValue(forKey: id) else { return false }
            state.userIDsByToken[user.token] = nil
            return true
        }
    }

    /// The user created last, if any (the `open-stream` defect streams their notifications to a forged token).
    func newestUser() -> User? {
        state.withLock { state in
            state.users.values.max { Int($0.id.dropFirst(2)) ?? 0 < Int($1.id.dropFirst(2)) ?? 0 }
        }
    }

    /// The user a bearer token belongs to.
    func user(forToken token: String) -> User? {
        state.withLock { state in
            state.userIDsByToken[token].flatMap { state.users[$0] }
        }
    }

    // MARK: Requests and offers

    /// How many open purchase requests `userID` takes part in, as buyer or addressed seller.
    func openRequestCount(of userID: String) -> Int {
        state.withLock { s in
            s.requests.values.filter { $0.status == .open && ($0.buyerId == userID || $0.sellerIds.contains(userID)) }.count
        }
    }

    /// A buyer asks the given sellers for offers.
    func createRequest(by buyer: User, title: String, sellerIds: [String]) throws -> PurchaseRequest {
        guard buyer.role == .buyer else { throw APIError.forbidden("only buyers can create requests") }
        let title = title.strippingWhitespace()
        guard !title.isEmpty else { throw APIError.badRequest("title must not be empty") }
        var sellers: [String] = []
        for id in sellerIds where !sellers.contains(id) { sellers.append(id) }
        guard !sellers.isEmpty else { throw APIError.badRequest("sellerIds must name at least one seller") }
        return try state.withLock { state in
            for id in sellers where state.users[id]?.role != .seller {
                throw APIError.badRequest("\(id) is not a seller")
            }
            let request = PurchaseRequest(id: state.nextID("r"), title: title, buyerId: buyer.id,
                                          sellerIds: sellers, status: .open)
            state.requests[request.id] = request
            onChange([.requestCreated(request, at: Date())])
            return request
        }
    }

    /// One of a request's chosen sellers makes an offer; returns it with the request's buyer.
    func createOffer(on requestID: String, by seller: User, price: Double) throws -> (offer: Offer, buyerId: String) {
        guard price.isFinite, price > 0 else { throw APIError.badRequest("price must be a positive number") }
        return try state.withLock { state in
            guard let request = state.requests[requestID] else { throw APIError.notFound("no request \(requestID)") }
            guard seller.role == .seller, request.sellerIds.contains(seller.id) else {
                throw APIError.forbidden("\(seller.id) is not a seller on \(requestID)")
            }
            guard request.status == .open else { throw APIError.conflict("request \(requestID) is closed") }
            let offer = Offer(id: state.nextID("o"), requestId: requestID, sellerId: seller.id, price: price, status: .pending)
            state.offers[offer.id] = offer
            state.offerIDsByRequest[requestID, default: []].append(offer.id)
            onChange([.offer("offer.created", offer, buyerId: request.buyerId, at: Date())])
            return (offer, request.buyerId)
        }
    }

    /// The request's buyer accepts a pending offer: the other pending offers are rejected, the request
    /// closes and an order awaiting payment is created.
    func acceptOffer(_ offerID: String, by buyer: User) throws -> AcceptOutcome {
        try state.withLock { state in
            var offer = try Self.pendingOffer(offerID, ownedBy: buyer, in: state)
            offer.status = .accepted
            state.offers[offer.id] = offer
            state.requests[offer.requestId]?.status = .closed

            var rejected: [Offer] = []
            var firstOtherSeller: String?
            for id in state.offerIDsByRequest[offer.requestId] ?? [] where id != offer.id {
                guard var other = state.offers[id], other.sellerId != offer.sellerId else { continue }
                if firstOtherSeller == nil { firstOtherSeller = other.sellerId }
                if other.status == .pending {
                    other.status = .rejected
                    state.offers[id] = other
                    rejected.append(other)
                }
            }
            let now = Date()
            let order = Order(id: state.nextID("ord"), status: .awaitingPayment, buyerId: buyer.id,
                              sellerId: offer.sellerId, offerId: offer.id, price: offer.price, updatedAt: now)
            state.orders[order.id] = order
            onChange([.offer("offer.accepted", offer, buyerId: buyer.id, orderId: order.id, at: now)]
                     + rejected.map { DomainEvent.offer("offer.rejected", $0, buyerId: buyer.id, at: now) }
                     + [.order("order.created", order, requestId: offer.requestId, at: now)])
            return AcceptOutcome(offer: offer, order: order, rejected: rejected, firstOtherSeller: firstOtherSeller)
        }
    }

    /// The request's buyer rejects a pending offer.
    func rejectOffer(_ offerID: String, by buyer: User) throws -> Offer {
        try state.withLock { state in
            var offer = try Self.pendingOffer(offerID, ownedBy: buyer, in: state)
            offer.status = .rejected
            state.offers[offer.id] = offer
            onChange([.offer("offer.rejected", offer, buyerId: buyer.id, at: Date())])
            return offer
        }
    }

    private static func pendingOffer(_ offerID: String, ownedBy buyer: User, in state: State) throws -> Offer {
        guard let offer = state.offers[offerID] else { throw APIError.notFound("no offer \(offerID)") }
        guard state.requests[offer.requestId]?.buyerId == buyer.id else {
            throw APIError.forbidden("only the request's buyer can decide on \(offerID)")
        }
        guard offer.status == .pending else {
            throw APIError.conflict("offer \(offerID) is \(offer.status.rawValue), not PENDING")
        }
        return offer
    }

    // MARK: Orders

    /// The order's buyer starts paying: AWAITING_PAYMENT → PAYMENT_PENDING.
    func startPayment(of orderID: String, by buyer: User) throws -> Order {
        try state.withLock { state in
            guard var order = state.orders[orderID] else { throw APIError.notFound("no order \(orderID)") }
            guard order.buyerId == buyer.id else { throw APIError.forbidden("only the order's buyer can pay it") }
            guard order.status == .awaitingPayment else {
                throw APIError.conflict("order \(orderID) is \(order.status.rawValue), not AWAITING_PAYMENT")
            }
            let now = Date()
            order.change(to: .paymentPending, at: now)
            state.orders[orderID] = order
            onChange([.order("payment.processing", order, requestId: state.offers[order.offerId]?.requestId, at: now)])
            return order
        }
    }

    /// The payment went through: PAYMENT_PENDING → PAID. Nil when the order is not pending payment.
    func completePayment(of orderID: String) -> Order? {
        state.withLock { state in
            guard var order = state.orders[orderID], order.status == .paymentPending else { return nil }
            let now = Date()
            order.change(to: .paid, at: now)
            state.orders[orderID] = order
            let requestID = state.offers[order.offerId]?.requestId
            onChange([.order("payment.succeeded", order, requestId: requestID, at: now),
                      .order("order.paid", order, requestId: requestID, at: now)])
            return order
        }
    }

    /// The order's seller delivers it: PAID → DELIVERED.
    func deliver(_ orderID: String, by seller: User) throws -> Order {
        try state.withLock { state in
            guard var order = state.orders[orderID] else { throw APIError.notFound("no order \(orderID)") }
            guard order.sellerId == seller.id else { throw APIError.forbidden("only the order's seller can deliver it") }
            guard order.status == .paid else {
                throw APIError.conflict("order \(orderID) is \(order.status.rawValue), not PAID")
            }
            let now = Date()
            order.change(to: .delivered, at: now)
            state.orders[orderID] = order
            onChange([.order("order.delivered", order, requestId: state.offers[order.offerId]?.requestId, at: now)])
            return order
        }
    }

    /// An order, as seen by its buyer or seller.
    func order(_ orderID: String, seenBy user: User) throws -> Order {
        try state.withLock { state in
            guard let order = state.orders[orderID] else { throw APIError.notFound("no order \(orderID)") }
            guard order.buyerId == user.id || order.sellerId == user.id else {
                throw APIError.forbidden("only the order's buyer or seller can see it")
            }
            return order
        }
    }

    /// The version of an order (see ``Order/version``); nil when there is no such order.
    func version(ofOrder orderID: String) -> Int? {
        state.withLock { $0.orders[orderID]?.version }
    }

    // MARK: Helpers

    /// A random, unguessable token: "tok-" and 128 bits from the system's secure generator, in hex.
    private static func makeToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bits = (0..<2).map { _ in generator.next() as UInt64 }
        return "tok-" + bits.map { word in
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 16 - hex.count) + hex
        }.joined()
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and newlines.
    func strippingWhitespace() -> String {
        guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
            return ""
        }
        return String(self[first...last])
    }
}
