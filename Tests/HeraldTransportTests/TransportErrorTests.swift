import HeraldTransport
import Testing

@Suite("TransportError")
struct TransportErrorTests {
    @Test("messages name the URL with the password masked, and checks match the constructor")
    func messages() {
        let refused = TransportError.connectionRefused(url: "ws://u:pw@127.0.0.1:9/ws")
        #expect(refused.description == "cannot connect to ws://u:***@127.0.0.1:9/ws: connection refused")
        #expect(refused.isConnectionRefused && refused.isInfrastructure && !refused.isTimeout)
        #expect(refused.upgradeStatus == nil)

        let upgrade = TransportError.upgradeRefused(status: 403, url: "ws://h/ws?token=x")
        #expect(upgrade.upgradeStatus == 403)
        #expect(upgrade.description == "cannot connect to ws://h/ws?token=x: the server refused the WebSocket upgrade with HTTP 403")

        let timeout = TransportError.timeout(url: "http://h/", after: .milliseconds(1500))
        #expect(timeout.isTimeout)
        #expect(timeout.description == "http://h/: timed out after 1.5 s")

        let tls = TransportError.tlsFailure(url: "wss://h/", detail: "certificate verify failed")
        #expect(tls.isTLSFailure)
        #expect(tls.description == "cannot connect to wss://h/: TLS handshake failed (certificate verify failed)")

        #expect(TransportError.dnsFailure(url: "ws://x.invalid/").isDNSFailure)
        #expect(TransportError.closed(url: "ws://h/").isClosed)
        #expect(TransportError.closed(url: "ws://u@h/").url == "ws://u@h/")
        #expect(TransportError.invalidURL("nope").isInvalidURL)
    }
}
