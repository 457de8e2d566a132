import Foundation
import HeraldTransport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

// Helpers shared by the demo backend's broker, SSE and cache tests (DemoBroker*, DemoSSE*, DemoCache*).

/// JSON over HTTP against the demo backend, on Herald's libcurl client.
struct DemoAPI: Sendable {
    let base: String
    let client = HTTPClient()

    init(_ base: String) { self.base = base }

    /// Sends a request; `json` becomes the body.
    @discardableResult
    func call(_ method: String, _ path: String, token: String? = nil, json: [String: any Sendable]? = nil,
              headers: [HTTPHeader] = []) async throws -> HTTPResponse {
        var all = headers
        if let token { all.append(HTTPHeader("Authorization", "Bearer \(token)")) }
        var body: [UInt8]?
        if let json {
            all.append(HTTPHeader("Content-Type", "application/json"))
            body = Array(try JSONSerialization.data(withJSONObject: json))
        }
        return try await client.send(HTTPRequest(method: method, url: base + path, headers: all, body: body,
                                                 timeout: .seconds(5)))
    }

    /// The body of `response` as a JSON object (empty when it is not one).
    static func object(_ response: HTTPResponse) -> [String: Any] {
        object(response.text)
    }

    /// `text` as a JSON object (empty when it is not one).
    static func object(_ text: String) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]) ?? [:]
    }
}

/// A buyer and three sellers, and the steps of the marketplace flow, with their responses checked.
struct DemoMarket: Sendable {
    struct User: Sendable {
        let id: String
        let token: String
    }

    let api: DemoAPI
    let buyer: User
    let sellers: [User]

    init(_ api: DemoAPI) async throws {
        self.api = api
        func user(_ role: String) async throws -> User {
            let created = try await api.call("POST", "/test/users", json: ["role": role])
            try #require(created.status == 201, "POST /test/users: \(created.status) \(created.text)")
            let json = DemoAPI.object(created)
            return User(id: try #require(json["id"] as? String), token: try #require(json["token"] as? String))
        }
        buyer = try await user("buyer")
        var sellers: [User] = []
        for _ in 0..<3 { sellers.append(try await user("seller")) }
        self.sellers = sellers
    }

    /// What `acceptFirstOfTwoOffers` created.
    struct Accepted: Sendable {
        let requestID: String
        /// seller 0's (accepted) and seller 1's (rejected) offers.
        let offerIDs: [String]
        let orderID: String
    }

    /// The buyer asks sellers 0 and 1, both offer, the buyer accepts seller 0's offer.
    func acceptFirstOfTwoOffers() async throws -> Accepted {
        let request = try await api.call("POST", "/requests", token: buyer.token,
                                         json: ["title": "lamp", "sellerIds": [sellers[0].id, sellers[1].id]])
        try #require(request.status == 201, "POST /requests: \(request.status) \(request.text)")
        let requestID = try #require(DemoAPI.object(request)["id"] as? String)
        var offers: [String] = []
        for (index, seller) in sellers.prefix(2).enumerated() {
            let offer = try await api.call("POST", "/requests/\(requestID)/offers", token: seller.token,
                                           json: ["price": 100 + index])
            try #require(offer.status == 201, "POST offers: \(offer.status) \(offer.text)")
            offers.append(try #require(DemoAPI.object(offer)["id"] as? String))
        }
        let accept = try await api.call("POST", "/offers/\(offers[0])/accept", token: buyer.token)
        try #require(accept.status == 200, "POST accept: \(accept.status) \(accept.text)")
        let orderID = try #require(DemoAPI.object(accept)["orderId"] as? String)
        return Accepted(requestID: requestID, offerIDs: offers, orderID: orderID)
    }

    /// The buyer pays; returns once the payment went through (see `waitUntilPaid`).
    func payAndWait(_ orderID: String) async throws {
        try await pay(orderID)
        try await waitUntilPaid(orderID)
    }

    /// The buyer starts paying (202).
    func pay(_ orderID: String) async throws {
        let pay = try await api.call("POST", "/orders/\(orderID)/pay", token: buyer.token)
        try #require(pay.status == 202, "POST pay: \(pay.status) \(pay.text)")
    }

    /// Returns once the payment went through (seller 0 got `order.paid`, at most 5 s: a 150 ms job, on a loaded machine).
    func waitUntilPaid(_ orderID: String) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            let paid = try await notifications(of: sellers[0]).contains {
                $0["type"] as? String == "order.paid" && $0["relatedId"] as? String == orderID
            }
            if paid { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TimedOut(what: "the payment of \(orderID) to go through")
    }

    /// The seller delivers.
    func deliver(_ orderID: String) async throws {
        let deliver = try await api.call("POST", "/orders/\(orderID)/deliver", token: sellers[0].token)
        try #require(deliver.status == 200, "POST deliver: \(deliver.status) \(deliver.text)")
    }

    /// A user's notification list as raw JSON objects, oldest first.
    func notifications(of user: User) async throws -> [[String: Any]] {
        let list = try await api.call("GET", "/notifications", token: user.token)
        try #require(list.status == 200)
        return DemoAPI.object(list)["items"] as? [[String: Any]] ?? []
    }
}

/// One Server-Sent Event (or the `retry:` block, or a comment).
struct DemoSSEBlock: Sendable, Equatable {
    var id: String?
    var event: String?
    var data: String?
    var retry: String?
    var comments: [String] = []
}

/// An HTTP/1.1 `GET` on a raw loopback TCP socket, read by a thread of its own into a buffer that tests wait on:
/// the response head, the chunked body decoded, and the body split into SSE blocks. Every wait has a deadline.
final class RawSSEClient: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var closed = false
    }

    private final class Shared: Sendable {
        let state = Mutex(State())
        let stop = Atomic<Bool>(false)
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
    }

    private let shared: Shared

    /// Connects to `base` (`http://127.0.0.1:PORT`) and sends `GET path` with `headers` ("Name: value").
    init(base: String, path: String, headers: [String] = []) throws {
        guard let port = URLComponents(string: base)?.port else { throw ScriptFailure("no port in \(base)") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ScriptFailure("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            throw ScriptFailure("cannot connect to \(base): errno \(errno)")
        }
        // Reads wake up every 50 ms to look at the stop flag.
        var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
            + headers.map { "\($0)\r\n" }.joined() + "\r\n"
        let bytes = Array(request.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else {
            Glibc.close(fd)
            throw ScriptFailure("cannot send the request: errno \(errno)")
        }
        let shared = Shared(fd: fd)
        self.shared = shared
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 16384)
            while !shared.stop.load(ordering: .acquiring) {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n > 0 {
                    shared.state.withLock { $0.bytes += buffer[..<n] }
                } else if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                    break
                }
            }
            shared.state.withLock { $0.closed = true }
            Glibc.close(fd)
        }
        thread.start()
    }

    deinit {
        shared.stop.store(true, ordering: .releasing)
    }

    /// Stops reading and closes the socket (within 50 ms).
    func close() {
        shared.stop.store(true, ordering: .releasing)
    }

    /// What was read so far: the status code and headers (names lower-cased), the decoded body, and whether the
    /// chunked body ended properly (the last, empty chunk arrived).
    struct Snapshot: Sendable {
        var status: Int?
        var headers: [String: String] = [:]
        var body = ""
        var bodyEnded = false
        /// The peer closed the connection.
        var closed = false

        /// The complete SSE blocks of the body, in order.
        var events: [DemoSSEBlock] {
            var blocks = body.components(separatedBy: "\n\n")
            blocks.removeLast()   // the incomplete rest, or "" after the last blank line
            return blocks.map { block in
                var event = DemoSSEBlock()
                for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
                    if line.hasPrefix(":") { event.comments.append(line.dropFirst().strippingSpace()); continue }
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    let value = String(line[line.index(after: colon)...].drop { $0 == " " })
                    switch line[..<colon] {
                    case "id": event.id = value
                    case "event": event.event = value
                    case "data": event.data = value
                    case "retry": event.retry = value
                    default: break
                    }
                }
                return event
            }
        }

        /// The events that carry data, in order.
        var notifications: [DemoSSEBlock] { events.filter { $0.data != nil } }
    }

    /// The current snapshot.
    var snapshot: Snapshot {
        let (bytes, closed) = shared.state.withLock { ($0.bytes, $0.closed) }
        var snapshot = Self.parse(bytes)
        snapshot.closed = closed
        return snapshot
    }

    /// Waits until `predicate` holds (at most `timeout`) and returns that snapshot.
    @discardableResult
    func wait(for what: String, timeout: Duration = .seconds(5), until predicate: (Snapshot) -> Bool) async throws -> Snapshot {
        let deadline = ContinuousClock.now + timeout
        while true {
            let current = snapshot
            if predicate(current) { return current }
            if ContinuousClock.now >= deadline {
                throw TimedOut(what: "\(what); the stream so far: status \(current.status.map(String.init) ?? "none"), "
                               + "closed \(current.closed), body:\n\(current.body)")
            }
            if current.closed { throw TimedOut(what: "\(what): the connection closed first; body:\n\(current.body)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    private static func parse(_ bytes: [UInt8]) -> Snapshot {
        var snapshot = Snapshot()
        guard let headEnd = bytes.firstRange(of: [13, 10, 13, 10]) else { return snapshot }
        let head = String(decoding: bytes[..<headEnd.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        snapshot.status = head.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") }
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            snapshot.headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...]).strippingSpace()
        }
        var rest = bytes[headEnd.upperBound...]
        guard snapshot.headers["transfer-encoding"]?.lowercased() == "chunked" else {
            snapshot.body = String(decoding: rest, as: UTF8.self)
            return snapshot
        }
        var body: [UInt8] = []
        while let lineEnd = rest.firstRange(of: [13, 10]) {
            guard let size = Int(String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self), radix: 16) else { break }
            let start = lineEnd.upperBound
            if size == 0 {
                snapshot.bodyEnded = true
                break
            }
            guard rest.endIndex - start >= size + 2 else { break }
            body += rest[start..<(start + size)]
            rest = rest[(start + size + 2)...]
        }
        snapshot.body = String(decoding: body, as: UTF8.self)
        return snapshot
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces.
    func strippingSpace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
