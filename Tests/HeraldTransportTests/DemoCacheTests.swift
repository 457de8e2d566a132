import Foundation
import HeraldDemoBackend
import HeraldTransport
import Testing

/// `GET /orders/{id}` of the demo backend with its Redis cache on a real redis-server: the key `order:<id>` is set
/// on read and deleted on every change (watched through keyspace notifications), and the ETag / Last-Modified /
/// 304 revalidation; with `stale-cache` the key survives the change and the old body is served.
@Suite("Demo backend: the Redis order cache and HTTP revalidation")
struct DemoCacheTests {
    /// A running backend on a fresh redis-server with keyspace notifications on, a subscriber watching `order:*`,
    /// and a market whose buyer has just accepted an offer.
    private static func withCachedOrder(
        defects: Set<DemoDefect> = [],
        _ body: @Sendable (DemoMarket, DemoMarket.Accepted, RedisConnection, StreamRecorder<RedisEvent>) async throws -> Void
    ) async throws {
        try await withBroker(.redis) { broker in
            let options = RedisOptions(url: broker.url)
            try await withRedisConnection(options) { redis in
                try await redis.enableKeyspaceNotifications()
                try await withRedisSubscriber(options) { subscriber in
                    try await subscriber.watchKeyspace("order:*")
                    let keyspace = StreamRecorder(subscriber.events)
                    let config = DemoBackendConfiguration(defects: defects, redisURL: broker.url)
                    try await DemoBackend.withRunningBackend(config) { base in
                        let market = try await DemoMarket(DemoAPI(base))
                        let flow = try await market.acceptFirstOfTwoOffers()
                        try await body(market, flow, redis, keyspace)
                    }
                }
            }
        }
    }

    private static func get(_ market: DemoMarket, _ orderID: String, as user: DemoMarket.User? = nil,
                            ifNoneMatch: String? = nil, ifModifiedSince: String? = nil) async throws -> HTTPResponse {
        var headers: [HTTPHeader] = []
        if let ifNoneMatch { headers.append(HTTPHeader("If-None-Match", ifNoneMatch)) }
        if let ifModifiedSince { headers.append(HTTPHeader("If-Modified-Since", ifModifiedSince)) }
        return try await market.api.call("GET", "/orders/\(orderID)", token: (user ?? market.buyer).token, headers: headers)
    }

    /// The keyspace events seen for `key`, as `set`/`expire`/`del`…
    private static func events(_ recorder: StreamRecorder<RedisEvent>, of key: String) -> [String] {
        recorder.items.compactMap { event in
            if case .keyspace(let change) = event, change.key == key { return change.event }
            return nil
        }
    }

    @Test("a read sets order:<id> (TTL 300 s) to the body served; each change deletes it before it answers")
    func setOnReadDeletedOnChange() async throws {
        try await Self.withCachedOrder { market, flow, redis, keyspace in
            let key = "order:\(flow.orderID)"
            #expect(try await redis.exists(key) == 0, "nothing is cached before the first read")

            let first = try await Self.get(market, flow.orderID)
            #expect(first.status == 200)
            #expect(DemoAPI.object(first)["status"] as? String == "AWAITING_PAYMENT")
            let cached = try #require(try await redis.get(key), "the read cached the order")
            #expect(String(decoding: cached, as: UTF8.self) == first.text)
            let ttl = try await redis.command(["PTTL", key]).integer ?? -1
            #expect((295_000...300_000).contains(ttl), "PTTL \(ttl)")
            try await keyspace.wait(for: "set \(key)") { _ in Self.events(keyspace, of: key).contains("set") }

            // The seller reads the same cached bytes; someone else is still refused, cached or not.
            let seller = try await Self.get(market, flow.orderID, as: market.sellers[0])
            #expect(seller.text == first.text)
            #expect(seller.header("ETag") == first.header("ETag"))
            #expect(try await Self.get(market, flow.orderID, as: market.sellers[1]).status == 403)
            #expect(try await Self.get(market, "ord-nope").status == 404)

            // Paying changes the order: the key is gone when the 202 arrives, with a del notification.
            try await market.pay(flow.orderID)
            #expect(try await redis.exists(key) == 0)
            try await keyspace.wait(for: "del \(key)") { _ in Self.events(keyspace, of: key).contains("del") }
            let pending = try await Self.get(market, flow.orderID)
            // (PAID only if the 150 ms payment beat this read.)
            #expect(["PAYMENT_PENDING", "PAID"].contains(DemoAPI.object(pending)["status"] as? String), "\(pending.text)")
            // The payment goes through later: that deletes the key again before anyone is told.
            try await market.waitUntilPaid(flow.orderID)
            let paid = try await Self.get(market, flow.orderID)
            #expect(DemoAPI.object(paid)["status"] as? String == "PAID")
            #expect(paid.header("ETag") != first.header("ETag"))
            #expect(String(decoding: try #require(try await redis.get(key)), as: UTF8.self) == paid.text)

            // Delivering deletes it again.
            let dels = Self.events(keyspace, of: key).filter { $0 == "del" }.count
            try await market.deliver(flow.orderID)
            #expect(try await redis.exists(key) == 0)
            try await keyspace.wait(for: "a second del") { _ in
                Self.events(keyspace, of: key).filter { $0 == "del" }.count == dels + 1
            }
            let delivered = try await Self.get(market, flow.orderID)
            #expect(DemoAPI.object(delivered)["status"] as? String == "DELIVERED")
        }
    }

    @Test("ETag and Last-Modified describe the body; If-None-Match and If-Modified-Since answer 304 until it changes")
    func revalidation() async throws {
        try await Self.withCachedOrder { market, flow, _, _ in
            let first = try await Self.get(market, flow.orderID)
            let eTag = try #require(first.header("ETag"))
            #expect(eTag.range(of: #"^"[0-9a-f]{16}"$"#, options: .regularExpression) != nil, "\(eTag)")
            let lastModified = try #require(first.header("Last-Modified"))
            let updatedAt = try #require(DemoAPI.object(first)["updatedAt"] as? String)
            let updated = try #require(DemoBrokerTests.parseISO(updatedAt))
            #expect(lastModified == Self.httpDate(updated), "Last-Modified is the body's updatedAt")

            // The cached read serves the same tag; asking with it gives 304 without a body.
            let again = try await Self.get(market, flow.orderID, ifNoneMatch: eTag)
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(again.header("ETag") == eTag)
            #expect(again.header("Last-Modified") == lastModified)
            #expect(try await Self.get(market, flow.orderID, ifNoneMatch: "\"other\", W/\(eTag)").status == 304)
            #expect(try await Self.get(market, flow.orderID, ifNoneMatch: "*").status == 304)
            #expect(try await Self.get(market, flow.orderID, ifNoneMatch: "\"0000000000000000\"").status == 200)
            #expect(try await Self.get(market, flow.orderID, ifModifiedSince: lastModified).status == 304)
            let earlier = Self.httpDate(updated.addingTimeInterval(-3600))
            #expect(try await Self.get(market, flow.orderID, ifModifiedSince: earlier).status == 200)

            // After a change the old tag no longer matches: 200 with the fresh body and a new tag.
            try await market.payAndWait(flow.orderID)
            let fresh = try await Self.get(market, flow.orderID, ifNoneMatch: eTag)
            #expect(fresh.status == 200)
            #expect(DemoAPI.object(fresh)["status"] as? String == "PAID")
            let newTag = try #require(fresh.header("ETag"))
            #expect(newTag != eTag)
            #expect(try await Self.get(market, flow.orderID, ifNoneMatch: newTag).status == 304)
        }
    }

    @Test("stale-cache: the key survives the change (no del), and the old body and ETag are still served")
    func staleCache() async throws {
        try await Self.withCachedOrder(defects: [.staleCache]) { market, flow, redis, keyspace in
            let key = "order:\(flow.orderID)"
            let first = try await Self.get(market, flow.orderID)
            let eTag = try #require(first.header("ETag"))
            try await keyspace.wait(for: "set \(key)") { _ in Self.events(keyspace, of: key).contains("set") }

            try await market.payAndWait(flow.orderID)
            #expect(try await redis.exists(key) == 1, "the change left the key in place")
            let stale = try await Self.get(market, flow.orderID)
            #expect(stale.status == 200)
            #expect(stale.text == first.text, "the old body")
            #expect(DemoAPI.object(stale)["status"] as? String == "AWAITING_PAYMENT")
            #expect(stale.header("ETag") == eTag, "the old ETag")
            #expect(try await Self.get(market, flow.orderID, ifNoneMatch: eTag).status == 304)
            // The persisted notifications know better: the order was paid.
            #expect(try await market.notifications(of: market.buyer).contains { $0["type"] as? String == "payment.succeeded" })
            // No del for the key within a quiet window.
            try await Task.sleep(for: .milliseconds(300))
            #expect(!Self.events(keyspace, of: key).contains("del"), "\(Self.events(keyspace, of: key))")
        }
    }

    @Test("without Redis the order comes from the store, with the same validators")
    func withoutRedis() async throws {
        try await DemoBackend.withRunningBackend { base in
            let market = try await DemoMarket(DemoAPI(base))
            let flow = try await market.acceptFirstOfTwoOffers()
            let first = try await Self.get(market, flow.orderID)
            let eTag = try #require(first.header("ETag"))
            #expect(first.header("Last-Modified") != nil)
            #expect(try await Self.get(market, flow.orderID, ifNoneMatch: eTag).status == 304)
            try await market.payAndWait(flow.orderID)
            let paid = try await Self.get(market, flow.orderID, ifNoneMatch: eTag)
            #expect(paid.status == 200)
            #expect(DemoAPI.object(paid)["status"] as? String == "PAID")
        }
    }

    private static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}
