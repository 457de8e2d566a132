import Foundation
import HeraldDemoBackend
import HeraldTransport
import Testing

/// `GET /sse/notifications` of the demo backend, read over a raw socket (the chunked body decoded by hand).
@Suite("Demo backend: notifications over SSE")
struct DemoSSETests {
    private static func stream(_ base: String, token: String?, lastEventID: String? = nil,
                               query: String = "") throws -> RawSSEClient {
        var headers: [String] = []
        if let token { headers.append("Authorization: Bearer \(token)") }
        if let lastEventID { headers.append("Last-Event-ID: \(lastEventID)") }
        return try RawSSEClient(base: base, path: "/sse/notifications\(query)", headers: headers)
    }

    /// Waits until the stream has said `retry: 1000`: from then on nothing produced is missed.
    @discardableResult
    private static func ready(_ client: RawSSEClient) async throws -> RawSSEClient.Snapshot {
        try await client.wait(for: "retry: 1000") { $0.events.first?.retry != nil }
    }

    @Test("headers, retry first, then each notification as id/event/data with the WebSocket's JSON, in order")
    func liveEvents() async throws {
        try await DemoBackend.withRunningBackend { base in
            let market = try await DemoMarket(DemoAPI(base))
            let winner = try Self.stream(base, token: market.sellers[0].token)
            let loser = try Self.stream(base, token: market.sellers[1].token)
            defer { winner.close(); loser.close() }
            let head = try await Self.ready(winner)
            try await Self.ready(loser)
            #expect(head.status == 200)
            #expect(head.headers["content-type"] == "text/event-stream")
            #expect(head.headers["cache-control"] == "no-cache")
            #expect(head.events.first == DemoSSEBlock(retry: "1000"))

            let flow = try await market.acceptFirstOfTwoOffers()
            try await market.payAndWait(flow.orderID)
            let seen = try await winner.wait(for: "order.paid") { $0.notifications.contains { $0.event == "order.paid" } }
            #expect(seen.notifications.map(\.event) == ["request.created", "offer.accepted", "order.paid"])
            // The same notifications, ids and JSON as the persisted list (which adds only `read`).
            let list = try await market.notifications(of: market.sellers[0])
            #expect(seen.notifications.map(\.id) == list.map { $0["id"] as? String })
            for (event, item) in zip(seen.notifications, list) {
                var pushed = item
                pushed["read"] = nil
                let data = DemoAPI.object(event.data ?? "")
                #expect(NSDictionary(dictionary: data).isEqual(to: pushed), "\(event) vs \(item)")
                #expect(data["type"] as? String == event.event)
            }
            // The data line is the WebSocket frame: compact JSON with sorted keys.
            let accepted = try #require(seen.notifications.first { $0.event == "offer.accepted" })
            let acceptedID = try #require(accepted.id)
            #expect(accepted.data == #"{"id":"\#(acceptedID)","orderId":"\#(flow.orderID)","relatedId":"\#(flow.offerIDs[0])","requestId":"\#(flow.requestID)","type":"offer.accepted","userId":"\#(market.sellers[0].id)"}"#)

            let other = try await loser.wait(for: "offer.rejected") { $0.notifications.contains { $0.event == "offer.rejected" } }
            #expect(other.notifications.map(\.event) == ["request.created", "offer.rejected"])
        }
    }

    @Test("Last-Event-ID replays the notifications after that id, then the live ones follow")
    func replay() async throws {
        try await DemoBackend.withRunningBackend { base in
            let market = try await DemoMarket(DemoAPI(base))
            let flow = try await market.acceptFirstOfTwoOffers()
            let list = try await market.notifications(of: market.sellers[0]).compactMap { $0["id"] as? String }
            try #require(list.count == 2, "request.created and offer.accepted: \(list)")

            // Reconnecting after the first: only the second is replayed.
            let resumed = try Self.stream(base, token: market.sellers[0].token, lastEventID: list[0])
            defer { resumed.close() }
            let replayed = try await resumed.wait(for: "the replay") { $0.notifications.count == 1 }
            #expect(replayed.events.first?.retry == "1000", "retry still comes first")
            #expect(replayed.notifications.map(\.id) == [list[1]])
            #expect(replayed.notifications.map(\.event) == ["offer.accepted"])

            // Then the live ones, after the replay.
            try await market.payAndWait(flow.orderID)
            let live = try await resumed.wait(for: "order.paid") { $0.notifications.count == 2 }
            #expect(live.notifications.map(\.event) == ["offer.accepted", "order.paid"])

            // After the last id nothing is replayed; the token may also come as a query parameter.
            let last = try #require(live.notifications.last?.id)
            let caughtUp = try Self.stream(base, token: nil, lastEventID: last, query: "?token=\(market.sellers[0].token)")
            defer { caughtUp.close() }
            let quiet = try await Self.ready(caughtUp)
            try await Task.sleep(for: .milliseconds(100))
            #expect(caughtUp.snapshot.notifications.isEmpty, "\(quiet.body)")
            // n-0 comes before every notification: everything is replayed.
            let everything = try Self.stream(base, token: market.sellers[0].token, lastEventID: "n-0")
            defer { everything.close() }
            let all = try await everything.wait(for: "the whole list") { $0.notifications.count == 3 }
            #expect(all.notifications.map(\.event) == ["request.created", "offer.accepted", "order.paid"])
        }
    }

    @Test("a dropped stream ends without the last chunk; reconnecting with Last-Event-ID gets what was missed")
    func dropAndResume() async throws {
        try await DemoBackend.withRunningBackend { base in
            let market = try await DemoMarket(DemoAPI(base))
            let buyer = try Self.stream(base, token: market.buyer.token)
            defer { buyer.close() }
            try await Self.ready(buyer)
            let flow = try await market.acceptFirstOfTwoOffers()
            let before = try await buyer.wait(for: "order.created") { $0.notifications.contains { $0.event == "order.created" } }
            let dropped = try await market.api.call("POST", "/test/ws/drop")
            #expect(DemoAPI.object(dropped)["dropped"] as? Int == 1)
            let end = try await buyer.wait(for: "the drop") { $0.closed }
            #expect(!end.bodyEnded, "a drop is abrupt: no last chunk")

            try await market.payAndWait(flow.orderID)
            let lastSeen = try #require(before.notifications.last?.id)
            let resumed = try Self.stream(base, token: market.buyer.token, lastEventID: lastSeen)
            defer { resumed.close() }
            let missed = try await resumed.wait(for: "the missed payment events") { $0.notifications.count == 2 }
            #expect(missed.notifications.map(\.event) == ["payment.processing", "payment.succeeded"])
        }
    }

    @Test("Herald's own SSE client: events with their ids, and after a drop it reconnects with Last-Event-ID")
    func heraldClientResumes() async throws {
        try await DemoBackend.withRunningBackend { base in
            let market = try await DemoMarket(DemoAPI(base))
            let options = SSEOptions(url: base + "/sse/notifications",
                                     headers: [HTTPHeader("Authorization", "Bearer \(market.buyer.token)")])
            try await withSSEStream(options) { stream in
                let recorder = StreamRecorder(stream.events)
                let flow = try await market.acceptFirstOfTwoOffers()
                try await recorder.wait(for: "order.created") { events in
                    events.contains { $0.sseEvent?.event == "order.created" }
                }
                _ = try await market.api.call("POST", "/test/ws/drop")
                try await recorder.wait(for: "the drop") { events in
                    events.contains { if case .disconnected = $0 { true } else { false } }
                }
                try await market.pay(flow.orderID)
                // The server said retry: 1000, so the client is back after about a second, asking for what it missed.
                let events = try await recorder.wait(for: "payment.succeeded after the reconnect", timeout: .seconds(4)) { events in
                    events.contains { $0.sseEvent?.event == "payment.succeeded" }
                }
                let received = events.compactMap(\.sseEvent)
                #expect(received.map(\.event) == ["offer.created", "offer.created", "order.created",
                                                  "payment.processing", "payment.succeeded"])
                let list = try await market.notifications(of: market.buyer)
                #expect(received.map(\.id) == list.map { $0["id"] as? String }, "each once, with its id")
                #expect(events.contains { if case .reconnected = $0 { true } else { false } })
            }
        }
    }

    @Test("the defects reach SSE like the WebSocket", arguments: [DemoDefect.duplicate, .wrongRecipient])
    func defects(_ defect: DemoDefect) async throws {
        try await DemoBackend.withRunningBackend(.init(defects: [defect])) { base in
            let market = try await DemoMarket(DemoAPI(base))
            let winner = try Self.stream(base, token: market.sellers[0].token)
            let loser = try Self.stream(base, token: market.sellers[1].token)
            defer { winner.close(); loser.close() }
            try await Self.ready(winner)
            try await Self.ready(loser)
            _ = try await market.acceptFirstOfTwoOffers()
            let won = try await winner.wait(for: "offer.accepted") { $0.notifications.contains { $0.event == "offer.accepted" } }
            let lost = try await loser.wait(for: "offer.rejected") { $0.notifications.contains { $0.event == "offer.rejected" } }
            try await Task.sleep(for: .milliseconds(50))
            let accepted = winner.snapshot.notifications.filter { $0.event == "offer.accepted" }
            switch defect {
            case .duplicate:
                #expect(accepted.count == 2)
                #expect(Set(accepted.map(\.id)).count == 1, "the same notification twice")
                #expect(!lost.notifications.contains { $0.event == "offer.accepted" })
            default:
                #expect(accepted.count == 1, "\(won.body)")
                let misdelivered = try #require(lost.notifications.first { $0.event == "offer.accepted" })
                #expect(misdelivered == accepted.first, "the seller's own notification, unchanged")
                #expect(lost.notifications.map(\.event) == ["request.created", "offer.accepted", "offer.rejected"])
            }
        }
    }

    @Test("an idle stream gets a ': ping' comment every heartbeat")
    func heartbeat() async throws {
        try await DemoBackend.withRunningBackend(.init(sseHeartbeat: .milliseconds(100))) { base in
            let market = try await DemoMarket(DemoAPI(base))
            let client = try Self.stream(base, token: market.buyer.token)
            defer { client.close() }
            let (pinged, elapsed) = try await timed {
                try await client.wait(for: "two pings") { $0.events.filter { $0.comments == ["ping"] }.count >= 2 }
            }
            #expect(elapsed >= .milliseconds(150))
            #expect(pinged.notifications.isEmpty)
            #expect(pinged.events.first?.retry == "1000")
        }
    }

    @Test("no token or an unknown one: 401 with a JSON error, no stream")
    func unauthorized() async throws {
        try await DemoBackend.withRunningBackend { base in
            for token in [nil, "tok-nobody"] {
                let client = try Self.stream(base, token: token)
                defer { client.close() }
                let answer = try await client.wait(for: "the refusal") { $0.status != nil && $0.body.contains("}") }
                #expect(answer.status == 401)
                #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true)
                #expect(DemoAPI.object(answer.body)["error"] as? String == "unauthorized")
            }
        }
    }

    @Test("stopping the backend ends open streams cleanly and promptly")
    func shutdownEndsStreams() async throws {
        let client = try await DemoBackend.withRunningBackend { base in
            let market = try await DemoMarket(DemoAPI(base))
            let client = try Self.stream(base, token: market.buyer.token)
            try await Self.ready(client)
            return client
        }
        defer { client.close() }
        let end = try await client.wait(for: "the end of the stream", timeout: .seconds(1)) { $0.bodyEnded }
        #expect(end.events.count == 1)
    }
}

extension SSEStreamEvent {
    /// The event, if this is one.
    var sseEvent: SSEEvent? {
        if case .event(let e) = self { return e }
        return nil
    }
}
