import HeraldCore
import HeraldTransport
import Testing

/// Channels whose connections must be refused (`expect: { refused: … }`), tried at the readiness barrier.
@Suite("runner: connections that must be refused")
struct RefusalTests {
    static let yaml = contract(steps: """
          - send: inbox
            as: buyer
            json: { action: hello }
        """).replacingOccurrences(of: "channels:\n", with: """
        channels:
          forged:
            websocket: "api /ws/inbox"
            for: [buyer]
            expect: { refused: [401, 403] }

        """)

    static func refusing(_ error: (any Error)?) -> FakeServer {
        FakeServer(refuse: { channel in channel == "forged" ? error : nil })
    }

    @Test("a refusal with an allowed status passes, and the contract runs on")
    func refusedPasses() async throws {
        let server = Self.refusing(TransportError.upgradeRefused(status: 403, url: "ws://fake/ws/inbox"))
        let result = try await run(Self.yaml, on: server)
        let v = try result.verdict("channel forged buyer › refused")
        #expect(v.outcome == .passed && v.kind == .connection, "\(v.message)")
        #expect(v.message.contains("refused (HTTP 403)"))
        #expect(server.link("inbox", "buyer")?.sent == [#"{"action":"hello"}"#], "the steps ran")
        #expect(result.infrastructureError == nil)
    }

    @Test("an accepted connection fails unexpected, and is closed at once without being read")
    func acceptedFails() async throws {
        let server = Self.refusing(nil)
        let result = try await run(Self.yaml, on: server)
        let v = try result.verdict("channel forged buyer › refused")
        #expect(v.outcome == .failed && v.reason == .unexpected, "\(v.message)")
        #expect(v.evidence.first?.role == .unexpected && v.evidence.first?.text?.hasPrefix("connected to ") == true)
        #expect(server.link("forged", "buyer")?.isClosed == true)
        #expect(result.infrastructureError == nil, "an accepted connection is an assertion failure, not exit 3")
    }

    @Test("a refusal with another status fails mismatch; a failure that is no refusal stays an infrastructure error")
    func otherRefusals() async throws {
        let other = try await run(Self.yaml, on: Self.refusing(TransportError.upgradeRefused(status: 404, url: "ws://fake/ws/inbox")))
        let v = try other.verdict("channel forged buyer › refused")
        #expect(v.outcome == .failed && v.reason == .mismatch && v.message.contains("HTTP 404, not HTTP 401 or 403"), "\(v.message)")
        let down = try await run(Self.yaml, on: Self.refusing(TransportError.connectionRefused(url: "ws://fake/ws/inbox")))
        #expect(down.infrastructureError?.contains("connection refused") == true, "\(down.infrastructureError ?? "none")")
    }
}
