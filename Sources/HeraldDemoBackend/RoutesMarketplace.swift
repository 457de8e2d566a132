import Hummingbird

/// The marketplace flow: requests, offers and orders. Every route needs a bearer token.
struct MarketplaceRoutes: Sendable {
    let store: Store
    let events: Events
    let orders: OrderCache
    let rows: DemoRows?

    private struct NewRequest: Decodable {
        let title: String
        let sellerIds: [String]
    }

    private struct NewOffer: Decodable {
        let price: Double
    }

    private struct OfferDecision: Encodable {
        let offerId: String
        let status: String
        var orderId: String?
    }

    private struct OrderStatus: Encodable {
        let orderId: String
        let status: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/requests") { request, _ in
            let buyer = try store.authenticate(request)
            let body = try await JSON.decode(NewRequest.self, from: request)
            let created = try store.createRequest(by: buyer, title: body.title, sellerIds: body.sellerIds)
            await events.requestCreated(created)
            return JSON.response(created, status: .created)
        }

        router.post("/requests/:id/offers") { request, context in
            let seller = try store.authenticate(request)
            let requestID = try context.parameters.require("id")
            let body = try await JSON.decode(NewOffer.self, from: request)
            let (offer, buyerId) = try store.createOffer(on: requestID, by: seller, price: body.price)
            await events.offerCreated(offer, buyerId: buyerId)
            return JSON.response(offer, status: .created)
        }

        router.post("/offers/:id/accept") { request, context in
            let buyer = try store.authenticate(request)
            let outcome = try store.acceptOffer(try context.parameters.require("id"), by: buyer)
            rows?.orderCreated(outcome.order)
            await events.offerAccepted(outcome)
            return JSON.response(OfferDecision(offerId: outcome.offer.id, status: outcome.offer.status.rawValue,
                                               orderId: outcome.order.id))
        }

        router.post("/offers/:id/reject") { request, context in
            let buyer = try store.authenticate(request)
            let offer = try store.rejectOffer(try context.parameters.require("id"), by: buyer)
            await events.offerRejected(offer)
            return JSON.response(OfferDecision(offerId: offer.id, status: offer.status.rawValue))
        }

        router.post("/orders/:id/pay") { request, context in
            let buyer = try store.authenticate(request)
            let order = try store.startPayment(of: try context.parameters.require("id"), by: buyer)
            await events.paymentStarted(order)
            return JSON.response(OrderStatus(orderId: order.id, status: order.status.rawValue), status: .accepted)
        }

        router.post("/orders/:id/deliver") { request, context in
            let seller = try store.authenticate(request)
            let order = try store.deliver(try context.parameters.require("id"), by: seller)
            await events.orderDelivered(order)
            return JSON.response(OrderStatus(orderId: order.id, status: order.status.rawValue))
        }

        router.get("/orders/:id") { request, context in
            let user = try store.authenticate(request)
            return try await orders.response(for: try context.parameters.require("id"), seenBy: user, request: request)
        }
    }
}
