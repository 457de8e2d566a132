import Foundation
import Hummingbird

/// `POST /wallet/recharge`: a user tops up their wallet; the recharge stays pending (its row says so).
struct WalletRoutes: Sendable {
    let store: Store
    let rows: DemoRows?

    private struct Recharge: Decodable {
        let amount: Double
    }

    private struct Accepted: Encodable {
        let rechargeId: String
        let amount: Double
        let status: String
    }

    func register(on router: Router<BasicRequestContext>) {
        router.post("/wallet/recharge") { request, _ in
            let user = try store.authenticate(request)
            let body = try await JSON.decode(Recharge.self, from: request)
            guard body.amount > 0, body.amount <= 10_000 else { throw APIError.badRequest("amount must be between 0 and 10000") }
            let id = "rch-\(UUID().uuidString.prefix(8).lowercased())"
            rows?.rechargeRequested(id: id, user: user.id, amount: body.amount)
            return JSON.response(Accepted(rechargeId: id, amount: body.amount, status: "PENDING"), status: .accepted)
        }
    }
}
