import HeraldCore

/// The rows the demo backend writes for what happens, defects included.
struct DemoRows: Sendable {
    let database: DemoDatabase
    let defects: Set<DemoDefect>

    /// A user registered (`POST /test/users`).
    func userCreated(_ user: User) {
        database.write("INSERT INTO users (id, role, name) VALUES ($1, $2, $3)",
                       .string(user.id), .string(user.role.rawValue), .string(user.name))
    }

    /// A user was deleted.
    func userDeleted(_ id: String) {
        database.write("DELETE FROM users WHERE id = $1", .string(id))
    }

    /// An accepted offer made an order (never written with ``DemoDefect/missingRow``).
    func orderCreated(_ order: Order) {
        guard !defects.contains(.missingRow) else { return }
        database.write("INSERT INTO orders (id, buyer_id, seller_id, amount, status) VALUES ($1, $2, $3, $4, $5)",
                       .string(order.id), .string(order.buyerId), .string(order.sellerId), .number(order.price),
                       .string(order.status.rawValue))
    }

    /// A recharge was asked for: pending (in cents with ``DemoDefect/wrongAmount``).
    func rechargeRequested(id: String, user: String, amount: Double) {
        let recorded = defects.contains(.wrongAmount) ? amount * 100 : amount
        database.write("INSERT INTO recharges (id, user_id, amount, status) VALUES ($1, $2, $3, $4)",
                       .string(id), .string(user), .number(recorded), .string("pending"))
    }
}
