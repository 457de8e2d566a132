import Foundation
import HTTPTypes
import Hummingbird

/// `POST /oauth/token` (a device's client assertion for an access token), `GET /device/status` (with that token), and
/// `POST /webhooks/payment` (signed with HMAC-SHA256).
struct DeviceRoutes: Sendable {
    let auth: DeviceAuth

    private struct TokenAnswer: Encodable {
        let access_token: String
        let token_type = "Bearer"
        let expires_in: Double
    }

    func register(on router: Router<BasicRequestContext>) {
        let auth = auth
        router.post("/oauth/token") { request, _ in
            let form = Self.form(try await request.body.collect(upTo: 64 * 1024))
            guard form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                  let assertion = form["client_assertion"] else {
                return JSON.response(["error": "invalid_request"], status: .badRequest)
            }
            do {
                let issued = try auth.issue(assertion: assertion, endpointPath: "/oauth/token")
                return JSON.response(TokenAnswer(access_token: issued.token,
                                                 expires_in: Double(issued.lifetime.components.seconds)
                                                     + Double(issued.lifetime.components.attoseconds) / 1e18))
            } catch let refusal as DeviceAuth.Refusal {
                return JSON.response(["error": "invalid_client", "error_description": refusal.reason], status: .unauthorized)
            }
        }
        router.get("/device/status") { request, _ in
            guard let header = request.headers[.authorization], header.hasPrefix("Bearer "),
                  let device = auth.device(forToken: String(header.dropFirst(7))) else {
                return JSON.response(["error": "invalid_token"], status: .unauthorized)
            }
            return JSON.response(["device": device, "status": "online"])
        }
        router.post("/webhooks/payment") { request, _ in
            let body = Array(try await request.body.collect(upTo: 64 * 1024).readableBytesView)
            guard auth.acceptsWebhook(body: body, signature: request.headers[HTTPField.Name("X-Signature")!]) else {
                return JSON.response(["error": "bad signature"], status: .unauthorized)
            }
            return JSON.response(["accepted": true])
        }
    }

    /// An `application/x-www-form-urlencoded` body.
    private static func form(_ buffer: ByteBuffer) -> [String: String] {
        var out: [String: String] = [:]
        for pair in String(buffer: buffer).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0) }
            if kv.count == 2 { out[kv[0]] = kv[1] }
        }
        return out
    }
}
