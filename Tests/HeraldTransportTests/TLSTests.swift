import HeraldCore
import HeraldTransport
import Testing

/// Certificate verification against a real TLS peer (`openssl s_server`) with a self-signed certificate.
@Suite("TLS verification", .serialized)
struct TLSTests {
    @Test("HTTPS: verified by default (fails), insecure opts out, a CA file makes it trusted")
    func https() async throws {
        let server = try await offThePool { try TLSTestServer() }
        defer { server.stop() }
        let client = HTTPClient()
        let url = "https://127.0.0.1:\(server.port)/"
        let error = await #expect(throws: TransportError.self) {
            _ = try await client.send(HTTPRequest(url: url))
        }
        #expect(error?.isTLSFailure == true, "\(String(describing: error))")

        let insecure = try await client.send(HTTPRequest(url: url, tls: TLSOptions(insecure: true)))
        #expect(insecure.status == 200)
        #expect(insecure.timings.tls > 0)

        let trusted = try await client.send(HTTPRequest(url: "https://localhost:\(server.port)/",
                                                        tls: TLSOptions(caFile: server.certificateFile)))
        #expect(trusted.status == 200)
    }

    @Test("WSS: verified by default (fails); insecure and a CA file get through TLS to the HTTP answer")
    func wss() async throws {
        let server = try await offThePool { try TLSTestServer() }
        defer { server.stop() }
        try await withWebSocketEngine { engine in
            let url = "wss://127.0.0.1:\(server.port)/ws"
            let error = await #expect(throws: TransportError.self) {
                _ = try await engine.connect(WebSocketOptions(url: url))
            }
            #expect(error?.isTLSFailure == true, "\(String(describing: error))")

            // s_server -www answers the upgrade request with "HTTP/1.0 200 ok": reaching it proves TLS passed.
            let insecure = await #expect(throws: TransportError.self) {
                _ = try await engine.connect(WebSocketOptions(url: url, tls: TLSOptions(insecure: true)))
            }
            #expect(insecure?.upgradeStatus == 200, "\(String(describing: insecure))")

            let trusted = await #expect(throws: TransportError.self) {
                _ = try await engine.connect(WebSocketOptions(url: "wss://localhost:\(server.port)/ws",
                                                              tls: TLSOptions(caFile: server.certificateFile)))
            }
            #expect(trusted?.upgradeStatus == 200, "\(String(describing: trusted))")

            let missing = await #expect(throws: TransportError.self) {
                _ = try await engine.connect(WebSocketOptions(url: url, tls: TLSOptions(caFile: "/nonexistent/ca.pem")))
            }
            #expect(missing?.isTLSFailure == true)
        }
    }
}
