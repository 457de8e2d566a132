import Foundation
import HeraldDemoBackend
import HeraldTransport
import Synchronization
import Testing

/// Smoke tests of the bundled demo backend over plain HTTP (Herald's HTTP client, none of its runner):
/// it starts, answers, produces the right notification lists with and without defects, and stops.
@Suite struct DemoBackendSmokeTests {
    @Test func servesHealthAndStopsWhenTheScopeEnds() async throws {
        let base = try await DemoBackend.withRunningBackend { base in
            let health = try await Client(base).call("GET", "/health")
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "ok")
            return base
        }
        await #expect(throws: (any Error).self) { try await Client(base).call("GET", "/health") }
    }

    @Test func stopsAlsoWhenTheBodyThrows() async throws {
        struct Boom: Error {}
        let base = Mutex<String?>(nil)
        await #expect(throws: Boom.self) {
            try await DemoBackend.withRunningBackend { url in
                base.withLock { $0 = url }
                throw Boom()
            }
        }
        let url = try #require(base.withLock { $0 })
        await #expect(throws: (any Error).self) { try await Client(url).call("GET", "/health") }
    }

    @Test func answersErrorsAsJSON() async throws {
        try await DemoBackend.withRunningBackend { base in
            let client = Client(base)
            let anonymous = try await client.call("GET", "/notifications")
            #expect(anonymous.status == 401)
            #expect(anonymous.json["error"] as? String == "unauthorized")
            let unknown = try await client.call("GET", "/notifications", token: "tok-nobody")
            #expect(unknown.status == 401)
            let badJSON = try await client.call("POST", "/test/users", rawBody: Data("{nope".utf8))
            #expect(badJSON.status == 400)
            #expect(badJSON.json["error"] is String)
            let missing = try await client.call("GET", "/no/such/route")
            #expect(missing.status == 404)
            #expect(missing.json["error"] is String)
        }
    }

    @Test(arguments: [nil, DemoDefect.missingEvent, .reorder, .duplicate, .wrongRecipient])
    func notificationListsFollowTheFlow(defect: DemoDefect?) async throws {
        let config = DemoBackendConfiguration(defects: defect.map { [$0] } ?? [])
        try await DemoBackend.withRunningBackend(config) { base in
            let market = try await Marketplace(Client(base))
            let (offer, _) = try await market.acceptFirstOfTwoOffers()
            let order = try #require(offer.json["orderId"] as? String)
            let pay = try await market.client.call("POST", "/orders/\(order)/pay", token: market.buyer.token)
            #expect(pay.status == 202)
            #expect(pay.json["status"] as? String == "PAYMENT_PENDING")
            try await Task.sleep(for: .milliseconds(600))

            let buyer = try await market.types(of: market.buyer)
            let winner = try await market.types(of: market.sellers[0])
            let loser = try await market.types(of: market.sellers[1])
            let bystander = try await market.types(of: market.sellers[2])

            switch defect {
            case .missingEvent:
                #expect(buyer.suffix(2) == ["order.created", "payment.processing"])
            case .reorder:
                #expect(buyer.suffix(3) == ["order.created", "payment.succeeded", "payment.processing"])
            default:
                #expect(buyer.suffix(3) == ["order.created", "payment.processing", "payment.succeeded"])
            }
            #expect(winner == ["request.created"] + Array(repeating: "offer.accepted", count: defect == .duplicate ? 2 : 1) + ["order.paid"])
            #expect(loser == ["request.created"] + (defect == .wrongRecipient ? ["offer.accepted"] : []) + ["offer.rejected"])
            #expect(bystander == ["request.created"])
        }
    }

    @Test func slowDefectDelaysOfferAccepted() async throws {
        let config = DemoBackendConfiguration(defects: [.slow], slowDelay: .milliseconds(400))
        try await DemoBackend.withRunningBackend(config) { base in
            let market = try await Marketplace(Client(base))
            _ = try await market.acceptFirstOfTwoOffers()
            #expect(try await market.types(of: market.sellers[0]) == ["request.created"])
            try await Task.sleep(for: .milliseconds(800))
            #expect(try await market.types(of: market.sellers[0]) == ["request.created", "offer.accepted"])
        }
    }
}

/// A buyer and three sellers, with a request sent to all three.
private struct Marketplace {
    struct User {
        let id: String
        let token: String
    }

    let client: Client
    let buyer: User
    let sellers: [User]
    let requestID: String

    init(_ client: Client) async throws {
        self.client = client
        func user(_ role: String) async throws -> User {
            let created = try await client.call("POST", "/test/users", body: ["role": role])
            #expect(created.status == 201)
            return User(id: try #require(created.json["id"] as? String), token: try #require(created.json["token"] as? String))
        }
        buyer = try await user("buyer")
        var sellers: [User] = []
        for _ in 0..<3 { sellers.append(try await user("seller")) }
        self.sellers = sellers
        let request = try await client.call("POST", "/requests", token: buyer.token,
                                            body: ["title": "Vintage lamp", "sellerIds": sellers.map(\.id)])
        #expect(request.status == 201)
        #expect(request.json["status"] as? String == "OPEN")
        requestID = try #require(request.json["id"] as? String)
    }

    /// The first two sellers make offers; the buyer accepts the first. Returns the accept response and
    /// the second offer's id.
    func acceptFirstOfTwoOffers() async throws -> (accept: Client.Reply, otherOffer: String) {
        var offers: [String] = []
        for seller in sellers.prefix(2) {
            let offer = try await client.call("POST", "/requests/\(requestID)/offers", token: seller.token, body: ["price": 120])
            #expect(offer.status == 201)
            #expect(offer.json["status"] as? String == "PENDING")
            offers.append(try #require(offer.json["id"] as? String))
        }
        let accept = try await client.call("POST", "/offers/\(offers[0])/accept", token: buyer.token)
        #expect(accept.status == 200)
        #expect(accept.json["status"] as? String == "ACCEPTED")
        return (accept, offers[1])
    }

    /// The types in a user's notification list, oldest first.
    func types(of user: User) async throws -> [String] {
        let list = try await client.call("GET", "/notifications", token: user.token)
        #expect(list.status == 200)
        let items = try #require(list.json["items"] as? [[String: Any]])
        return items.compactMap { $0["type"] as? String }
    }
}

/// A minimal JSON-over-HTTP client for the tests, on Herald's own HTTP client (Foundation's URLSession runs a curl of
/// its own whose allocations LeakSanitizer reports).
private struct Client {
    struct Reply {
        let status: Int
        let json: [String: Any]
    }

    let base: String
    private static let http = HTTPClient()

    init(_ base: String) { self.base = base }

    @discardableResult
    func call(_ method: String, _ path: String, token: String? = nil, body: [String: Any]? = nil) async throws -> Reply {
        try await call(method, path, token: token, rawBody: try body.map { try JSONSerialization.data(withJSONObject: $0) })
    }

    @discardableResult
    func call(_ method: String, _ path: String, token: String? = nil, rawBody: Data?) async throws -> Reply {
        var headers: [HTTPHeader] = []
        if let token { headers.append(HTTPHeader("Authorization", "Bearer \(token)")) }
        if rawBody != nil { headers.append(HTTPHeader("Content-Type", "application/json")) }
        let response = try await Self.http.send(HTTPRequest(method: method, url: base + path, headers: headers,
                                                            body: rawBody.map { Array($0) }, timeout: .seconds(5)))
        let json = response.body.isEmpty ? [:] : (try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] ?? [:])
        return Reply(status: response.status, json: json)
    }
}
