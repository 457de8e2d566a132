import Foundation
import HTTPTypes
import HeraldTransport
import Hummingbird
import Logging

/// `GET /orders/{id}` with a Redis cache and HTTP revalidation.
///
/// The body is read from the Redis key `order:<id>` when it exists; otherwise it is built from the store and
/// `SET` under that key for ``timeToLive`` (through the ``BrokerFeed``, so it is skipped when the order changed
/// meanwhile). Every change of the order deletes the key (unless the `stale-cache` defect is on). Without Redis
/// the body always comes from the store. Either way the response carries `ETag` (a hash of the body served) and
/// `Last-Modified` (the body's `updatedAt`), and `If-None-Match` (or, without it, `If-Modified-Since`) is
/// answered with `304 Not Modified`.
struct OrderCache: Sendable {
    /// How long a cached body lives.
    static let timeToLive: Duration = .seconds(300)

    /// The Redis key of an order's body.
    static func key(_ orderID: String) -> String { "order:\(orderID)" }

    let store: Store
    let redis: RedisConnection?
    let feed: BrokerFeed?
    let logger: Logger

    /// The response to `GET /orders/{id}` by `user`: 404 and 403 as before, else the body or a 304.
    func response(for orderID: String, seenBy user: User, request: Request) async throws -> Response {
        let body = try await body(of: orderID, seenBy: user)
        let validators = Validators(body: body)
        var headers: HTTPFields = [.eTag: validators.eTag]
        if let modified = validators.lastModified { headers[.lastModified] = Timestamp.http(modified) }
        if validators.notModified(request.headers) {
            return Response(status: .notModified, headers: headers)
        }
        let bytes = Array(body.utf8)
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(bytes.count)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The order's JSON: the cached one if there is one, else the store's (which is then cached).
    func body(of orderID: String, seenBy user: User) async throws -> String {
        // Who may see it is always decided by the store, also when the body comes from the cache.
        let order = try store.order(orderID, seenBy: user)
        guard let redis else { return JSON.text(order) }
        let key = Self.key(orderID)
        do {
            if let cached = try await redis.get(key), let text = String(validating: cached, as: UTF8.self) {
                return text
            }
        } catch {
            logger.warning("cannot read \(key) from Redis, serving the store's order: \(error)")
        }
        let body = JSON.text(order)
        if let feed {
            let version = order.version
            await feed.fill(key, body: body) { [store] in store.version(ofOrder: orderID) == version }
        }
        return body
    }
}

/// The validators of a body served: its entity tag and modification time.
struct Validators: Sendable {
    /// A strong entity tag: the FNV-1a 64-bit hash of the body, in hex, quoted.
    let eTag: String
    /// The body's `updatedAt`, when it has one.
    let lastModified: Date?

    init(body: String) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        eTag = "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
        let fields = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
        lastModified = (fields?["updatedAt"] as? String).flatMap(Timestamp.parseISO)
    }

    /// Whether the request's conditions say the client already has this body: an `If-None-Match` that lists
    /// the entity tag (weakly compared) or is `*`; or, without `If-None-Match`, an `If-Modified-Since` not earlier
    /// than `lastModified` (to the second).
    func notModified(_ headers: HTTPFields) -> Bool {
        let tags = headers[values: .ifNoneMatch].flatMap { $0.split(separator: ",") }
        if !tags.isEmpty {
            let mine = Self.opaque(eTag)
            return tags.contains { tag in
                let tag = tag.strippingWhitespace()
                return tag == "*" || Self.opaque(tag) == mine
            }
        }
        guard let since = headers[.ifModifiedSince].flatMap(Timestamp.parseHTTP), let lastModified else { return false }
        return lastModified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970
    }

    /// The tag without a weakness prefix (`W/`).
    private static func opaque(_ tag: String) -> String {
        tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag
    }
}
