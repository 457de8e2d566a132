import HeraldCore
@testable import HeraldTransport
import Testing

/// One diagnosis for every transport's failures: what to check, and exit 3.
@Suite("transport diagnosis")
struct TransportDiagnosisTests {
    static let credentials = "the server refused the credentials"

    @Test("a refused WebSocket upgrade hints credentials (401, 403), the path (404); a refused connection, a running service")
    func webSocket() {
        for status in [401, 403] {
            #expect(TransportError.upgradeRefused(status: status, url: "ws://h/ws").hint?.hasPrefix(Self.credentials) == true)
        }
        #expect(TransportError.upgradeRefused(status: 404, url: "ws://h/ws").hint?.contains("path") == true)
        #expect(TransportError.connectionRefused(url: "ws://h/ws").hint?.contains("is the service running") == true)
        #expect(TransportError.dnsFailure(url: "ws://h/ws").hint?.contains("host name") == true)
        #expect(TransportError.tlsFailure(url: "wss://h/ws").hint?.contains("ca_file") == true)
        #expect(TransportError.timeout(url: "ws://h/ws").hint?.contains("in time") == true)
        #expect(TransportError.connectionRefused(url: "nats://h", detail: "Authorization Violation").hint?.hasPrefix(Self.credentials) == true)
        // A handshake or framing that breaks the RFC is not a peer that hung up.
        let wrongAccept = TransportError.protocolFailure(url: "ws://h/ws", detail: "the server's Sec-WebSocket-Accept does not match the key sent (RFC 6455 §4.1)")
        #expect(wrongAccept.hint?.contains("WebSocket endpoint") == true)
        #expect(TransportError.protocolFailure(url: "ws://h/ws", detail: "the server closed the connection during the handshake").hint?.contains("hung up") == true)
    }

    @Test("MQTT: a CONNACK of 4 or 5 hints credentials, another code the broker's configuration; a refused SUBACK the ACL")
    func mqtt() {
        for rc in [4, 5] { #expect(MQTTError.refused(connack: rc, url: "mqtt://h").hint?.hasPrefix(Self.credentials) == true) }
        #expect(MQTTError.refused(connack: 1, url: "mqtt://h").hint?.contains("configuration") == true)
        #expect(MQTTError.subscriptionRefused(["a/b"], url: "mqtt://h").hint?.contains("ACL") == true)
        #expect(MQTTError.unreachable("refused", url: "mqtt://h").hint?.contains("is the service running") == true)
    }

    @Test("NATS, Redis and SSE: refused credentials say so; a missing responder says what to start")
    func brokersAndStreams() {
        #expect(NATSError.refused(subject: "a", detail: "Permissions Violation for Publish to a").hint?.hasPrefix(Self.credentials) == true)
        #expect(NATSError.noResponders(subject: "a").hint?.contains("nothing subscribes") == true)
        #expect(RedisError.errorReply("NOAUTH Authentication required.", command: "GET").hint?.hasPrefix(Self.credentials) == true)
        #expect(RedisError.errorReply("ERR wrong number of arguments", command: "GET").hint == nil)
        #expect(SSEError.httpStatus(401, body: "", url: "http://h/sse").hint?.hasPrefix(Self.credentials) == true)
        #expect(SSEError.refused(nil, url: "http://h/sse").hint?.contains("is the service running") == true)
    }

    @Test("a refusal says how the server turned the connection down; other failures are no refusal")
    func refusals() {
        #expect(TransportError.upgradeRefused(status: 403, url: "ws://h/ws").refusal == .status(403))
        #expect(SSEError.httpStatus(401, body: "", url: "http://h/sse").refusal == .status(401))
        for rc in [4, 5] { #expect(MQTTError.refused(connack: rc, url: "mqtt://h").refusal == .notAuthorised) }
        #expect(MQTTError.refused(connack: 1, url: "mqtt://h").refusal == nil)
        #expect(TransportError.connectionRefused(url: "nats://h", detail: "Authorization Violation").refusal == .notAuthorised)
        #expect(RedisError.errorReply("WRONGPASS invalid username-password pair", command: "AUTH").refusal == .notAuthorised)
        #expect(TransportError.connectionRefused(url: "ws://h/ws").refusal == nil)
        #expect(TransportError.timeout(url: "ws://h/ws").refusal == nil)
        #expect(SSEError.refused(nil, url: "http://h/sse").refusal == nil)
    }

    @Test("every transport failure is an infrastructure error, exit 3, with its what and hint")
    func exitAndMessage() {
        let failures: [any TransportDiagnosis] = [
            TransportError.upgradeRefused(status: 403, url: "ws://h/ws"), MQTTError.refused(connack: 5, url: "mqtt://h"),
            NATSError.noResponders(subject: "a"), RedisError.errorReply("WRONGPASS", command: "AUTH"),
            SSEError.httpStatus(403, body: "", url: "http://h/sse"),
        ]
        for f in failures {
            #expect(f.exitStatus == .infrastructure)
            let e = InfrastructureError(diagnosing: f, "channel 'inbox'")
            #expect(e.message == "channel 'inbox': \(f.description)" && e.hint == f.hint)
        }
    }
}
