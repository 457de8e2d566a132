import HeraldCore
@testable import HeraldRunner
import HeraldTransport
import Testing

/// How the runner reads a WebSocket's end: its own close (1000) is expected; a close it made because the server
/// broke the protocol (1002, 1007, 1009) is a dropped connection like one the server made, which ends the contract with
/// a connection verdict and exit 3, the violation named.
@Suite("runner: WebSocket closes")
struct WebSocketInboundTests {
    static func local(_ event: WebSocketEvent) -> Bool? {
        if case .closed(_, _, _, let local)? = WebSocketInbound.map(event) { return local }
        return nil
    }

    @Test("Herald's own close with 1000, or the engine's shutdown, is local; a protocol failure it raised is not; the server's never is")
    func closes() {
        let at = MonotonicInstant.now()
        #expect(Self.local(.closed(code: 1000, reason: "run finished", at: at, initiatedLocally: true)) == true)
        #expect(Self.local(.closed(code: nil, reason: "the WebSocket engine shut down", at: at, initiatedLocally: true)) == true)
        #expect(Self.local(.closed(code: 1007, reason: "invalid UTF-8 in a text message", at: at, initiatedLocally: true)) == false)
        #expect(Self.local(.closed(code: 1009, reason: "a message over the limit", at: at, initiatedLocally: true)) == false)
        #expect(Self.local(.closed(code: 1000, reason: "", at: at, initiatedLocally: false)) == false)
    }

    @Test("a framing violation Herald failed the connection for (1002) is a drop whose reason names the violation")
    func violation() {
        let named = WebSocketViolation.masked.description
        let event = WebSocketInbound.map(.closed(code: 1002, reason: named, at: .now(), initiatedLocally: true))
        guard case .closed(let code, let reason, _, let local)? = event else {
            Issue.record("not a close: \(String(describing: event))")
            return
        }
        #expect(code == 1002 && reason == named && !local)
        #expect(WebSocketViolation.masked.exitStatus == .infrastructure)
    }
}
