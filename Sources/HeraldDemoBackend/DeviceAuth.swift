import Foundation
import HeraldCore
import HeraldSigning
import Synchronization

/// Devices that authenticate with a signed client assertion (RFC 7523, `client_secret_jwt`: an HS256 JWT with the
/// device's id as `iss` and `sub`, the token endpoint as `aud`, a short `exp` and a `jti` used once) and get an access
/// token that lasts ``DemoBackendConfiguration/deviceTokenLifetime``; and payment webhooks signed with HMAC-SHA256.
final class DeviceAuth: Sendable {
    private struct Issued {
        var device: String
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var tokens: [String: Issued] = [:]
        var usedJTIs: Set<String> = []
    }

    private let state = Mutex(State())
    private let deviceSecret: [UInt8]?
    private let webhookSecret: [UInt8]?
    private let lifetime: Duration
    private let defects: Set<DemoDefect>

    init(_ config: DemoBackendConfiguration) {
        deviceSecret = config.deviceSecret.map { Array($0.utf8) }
        webhookSecret = config.webhookSecret.map { Array($0.utf8) }
        lifetime = config.deviceTokenLifetime
        defects = config.defects
    }

    /// Why an assertion is refused.
    struct Refusal: Error {
        let reason: String
    }

    /// Checks a client assertion and issues an access token for its device.
    func issue(assertion: String, endpointPath: String) throws(Refusal) -> (token: String, device: String, lifetime: Duration) {
        guard let secret = deviceSecret else { throw Refusal(reason: "devices are not configured") }
        let parts = assertion.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = Self.json(parts[0]), let claims = Self.json(parts[1]),
              let signature = ByteEncoding.base64url.decode(parts[2]) else { throw Refusal(reason: "not a JWT") }
        guard header["alg"]?.stringValue == "HS256" else { throw Refusal(reason: "alg must be HS256") }
        guard let expected = try? HMACSHA256.mac(key: secret, data: Array("\(parts[0]).\(parts[1])".utf8)),
              Self.same(expected, signature) else { throw Refusal(reason: "bad signature") }
        guard let device = claims["iss"]?.stringValue, claims["sub"]?.stringValue == device else {
            throw Refusal(reason: "iss and sub must both be the device")
        }
        guard claims["aud"]?.stringValue?.hasSuffix(endpointPath) == true else { throw Refusal(reason: "aud must be the token endpoint") }
        let now = Date().timeIntervalSince1970
        guard let exp = claims["exp"]?.numberValue, exp > now, exp <= now + 300 else {
            throw Refusal(reason: "exp must be in the next five minutes")
        }
        guard let jti = claims["jti"]?.stringValue, !jti.isEmpty else { throw Refusal(reason: "jti is missing") }
        let token = "dev-" + ByteEncoding.hex(RandomBytes.make(16))
        let fresh = state.withLock { s -> Bool in
            guard s.usedJTIs.insert(jti).inserted else { return false }
            s.tokens[token] = Issued(device: device, expires: .now + lifetime)
            return true
        }
        guard fresh else { throw Refusal(reason: "jti was used before") }
        return (token, device, lifetime)
    }

    /// The device an access token belongs to, while it lasts (longer with ``DemoDefect/acceptsExpired``).
    func device(forToken token: String) -> String? {
        state.withLock { s in
            guard let issued = s.tokens[token] else { return nil }
            return issued.expires > .now || defects.contains(.acceptsExpired) ? issued.device : nil
        }
    }

    /// Whether `signature` (`sha256=<hex>`) is the HMAC-SHA256 of `body` (anything goes with ``DemoDefect/unsignedWebhook``).
    func acceptsWebhook(body: [UInt8], signature: String?) -> Bool {
        if defects.contains(.unsignedWebhook) { return true }
        guard let secret = webhookSecret, let signature, signature.hasPrefix("sha256="),
              let given = ByteEncoding.hex.decode(String(signature.dropFirst(7))),
              let expected = try? HMACSHA256.mac(key: secret, data: body) else { return false }
        return Self.same(expected, given)
    }

    private static func json(_ part: String) -> JSONValue? {
        ByteEncoding.base64url.decode(part).flatMap { JSONParser.parseIfJSON($0) }
    }

    private static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
