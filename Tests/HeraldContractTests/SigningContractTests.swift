import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldSigning
import Testing

@Suite("contracts with tokens: and sign:")
struct SigningContractTests {
    static let text = #"""
        contract: a device signs in
        services:
          auth: "http://127.0.0.1:1"
        tokens:
          assertion:
            alg: ES256
            key: "${env.DEVICE_KEY}"
            kid: "${env.CLIENT_ID}-1"
            expires_in: 30s
            claims: { iss: "${env.CLIENT_ID}", sub: "${env.CLIENT_ID}", aud: "http://127.0.0.1:1/oauth/token" }
          session:
            alg: HS256
            secret: "${env.JWT_SECRET}"
            expires_in: 1s
            claims: { sub: "${userId}", role: admin, n: 3 }
        steps:
          - http: POST auth /users
            capture: { userId: $.id }
          - http: POST auth /oauth/token
            body: "client_assertion=${assertion}&client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
          - http: POST auth /webhooks
            json: { id: 1 }
            headers: { Authorization: "Bearer ${session}" }
            sign: { header: X-Signature, hmac_sha256: "${env.WEBHOOK_SECRET}", prefix: "sha256=", encoding: base64 }
        """#

    static func ecKey() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("herald-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("k.pem").path
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]
        try p.run()
        p.waitUntilExit()
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    /// The claims of a compact JWS.
    static func claims(_ token: String) throws -> JSONValue {
        let payload = token.split(separator: ".").map(String.init)[1]
        let bytes = try #require(ByteEncoding.base64url.decode(payload))
        return try #require(JSONParser.parseIfJSON(bytes))
    }

    static func environment(key: String) -> [String: String] {
        ["DEVICE_KEY": key.replacingOccurrences(of: "\n", with: "\\n"), "CLIENT_ID": "device-7", "JWT_SECRET": "jwt-secret-value",
         "WEBHOOK_SECRET": "hook-secret-value"]
    }

    @Test("tokens: alg, key, kid, expires_in, claims; sign: header, secret, prefix, encoding")
    func loads() throws {
        let c = try ContractLoader.parse(Self.text, file: "c.yaml")
        #expect(c.tokens.map(\.name) == ["assertion", "session"])
        #expect(c.tokens[0].algorithm == .es256 && c.tokens[0].expiresIn == .seconds(30) && c.tokens[0].keyID?.raw == "${env.CLIENT_ID}-1")
        #expect(c.tokens[1].claims.map(\.name) == ["sub", "role", "n"])
        guard case .http(let h) = c.steps[2].action, let sign = h.sign else { Issue.record("no sign: on the step"); return }
        #expect(sign.header == "X-Signature" && sign.prefix == "sha256=" && sign.encoding == "base64" && sign.secret.raw == "${env.WEBHOOK_SECRET}")
    }

    @Test("each ${token} is a new token: iat, exp, a fresh jti, claims rendered with the environment and captures, signed")
    func renders() throws {
        let c = try ContractLoader.parse(Self.text, file: "c.yaml")
        let plan = try Planner.plan(c, options: RunOptions(environment: Self.environment(key: try Self.ecKey())))
        let redactor = Redactor()
        var scope = try Bindings(plan: plan, redactor: redactor)
        scope.captures["userId"] = "u-42"
        let first = try Template("${session}").renderString(in: scope)
        let second = try Template("${session}").renderString(in: scope)
        #expect(first != second)
        for token in [first, second] {
            let parts = token.split(separator: ".").map(String.init)
            let claims = try Self.claims(token)
            #expect(claims["sub"] == "u-42" && claims["role"] == "admin" && claims["n"] == 3)
            let iat = try #require(claims["iat"]?.numberValue), exp = try #require(claims["exp"]?.numberValue)
            #expect(exp == iat + 1 && abs(iat - Date().timeIntervalSince1970) < 5)
            let mac = try HMACSHA256.mac(key: Array("jwt-secret-value".utf8), data: Array("\(parts[0]).\(parts[1])".utf8))
            #expect(ByteEncoding.base64URL(mac) == parts[2])
            #expect(redactor.redact("sent \(token)") == "sent \(Redactor.mask)")
        }
        #expect(try Self.claims(first)["jti"] != Self.claims(second)["jti"])

        let assertion = try Template("${assertion}").renderString(in: scope)
        let parts = assertion.split(separator: ".").map(String.init)
        let header = String(decoding: try #require(ByteEncoding.base64url.decode(parts[0])), as: UTF8.self)
        #expect(header == #"{"alg":"ES256","kid":"device-7-1","typ":"JWT"}"#)
        #expect(try #require(ByteEncoding.base64url.decode(parts[2])).count == 64)
        // The key given as a value is a secret too.
        #expect(redactor.redact(Self.environment(key: "x")["DEVICE_KEY"]!) != Redactor.mask)
        let withoutCapture = try Bindings(plan: plan)
        let missing = #expect(throws: TemplateError.self) { try Template("${session}").renderString(in: withoutCapture) }
        #expect(missing?.description == "no value for ${session}: token 'session' needs ${userId}", "\(String(describing: missing))")
    }

    /// The diagnostic the contract text with `replacing` → `with` gives at load or plan time.
    func diagnostic(_ replacing: String, _ with: String, environment: [String: String]? = nil) throws -> Diagnostic? {
        let text = Self.text.replacingOccurrences(of: replacing, with: with)
        #expect(text != Self.text, "\(replacing) is not in the contract")
        do {
            let c = try ContractLoader.parse(text, file: "/tmp/herald-tests/c.yaml")
            _ = try Planner.plan(c, options: RunOptions(environment: try environment ?? Self.environment(key: try Self.ecKey())))
            return nil
        } catch let error as ContractErrors {
            return error.diagnostics.first
        } catch let error as Diagnostic {
            return error
        }
    }

    @Test("unknown keys, missing keys, unsupported algs and misplaced secrets fail at load, at their line")
    func loadErrors() throws {
        let cases: [(String, String, String, Int)] = [
            ("    alg: ES256\n", "    alg: PS256\n", "unsupported alg 'PS256'", 6),
            ("    alg: ES256\n", "    algo: ES256\n", "unknown key 'algo' in token 'assertion'", 6),
            ("    alg: ES256\n", "", "token 'assertion' needs 'alg'", 6),
            ("    key: \"${env.DEVICE_KEY}\"\n", "", "token 'assertion' needs its key", 6),
            ("    key: \"${env.DEVICE_KEY}\"\n", "    secret: x\n", "ES256 signs with a private key, not a shared secret", 7),
            ("    secret: \"${env.JWT_SECRET}\"\n", "    key_file: k.pem\n", "HS256 signs with a shared secret, not a private key", 13),
            ("    expires_in: 1s\n", "    expires_in: 1\n", "expires_in needs a unit", 14),
            ("encoding: base64 }", "encoding: binary }", "unknown encoding 'binary'", 24),
            ("sign: { header: X-Signature,", "sign: {", "sign needs 'header'", 24),
        ]
        for (from, to, message, line) in cases {
            let d = try #require(try diagnostic(from, to), "\(message)")
            #expect(d.message.contains(message) && d.location.line == line && d.location.file == "/tmp/herald-tests/c.yaml", "\(d)")
            #expect(d.hint != nil, "\(d)")
        }
        let reserved = try #require(try diagnostic("  session:\n", "  uuid:\n"))
        #expect(reserved.message.contains("'uuid' already means something"), "\(reserved)")
        let onPublish = try #require(try diagnostic("  - http: POST auth /webhooks\n", "  - publish: \"auth x\"\n"))
        #expect(onPublish.message.contains("'sign' does not belong to a publish step") || onPublish.message.contains("does not belong"), "\(onPublish)")
    }

    @Test("plan time: an unreadable or wrong-type key, a public key, a clash of names and a token with fields fail with a hint")
    func planErrors() throws {
        let missing = try #require(try diagnostic(#"key: "${env.DEVICE_KEY}""#, "key_file: keys/none.pem"))
        #expect(missing.message == "token 'assertion': no key file at /tmp/herald-tests/keys/none.pem" && missing.location.line == 7, "\(missing)")
        #expect(missing.hint?.contains("relative to the contract's folder") == true)

        let rsa = try #require(try diagnostic("alg: ES256", "alg: RS256"))
        #expect(rsa.message.contains("RS256 needs an RSA private key, found an EC key on prime256v1") && rsa.location.line == 7, "\(rsa)")

        var env = Self.environment(key: try Self.ecKey())
        env["DEVICE_KEY"] = "-----BEGIN PUBLIC KEY-----\\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\\n-----END PUBLIC KEY-----"
        let publicKey = try #require(try diagnostic("role: admin", "role: user", environment: env))
        #expect(publicKey.message.contains("public key or a certificate"), "\(publicKey)")

        env = Self.environment(key: try Self.ecKey())
        env["WEBHOOK_SECRET"] = "not hex"
        let hex = try #require(try diagnostic("encoding: base64 }", "encoding: base64, secret_encoding: hex }", environment: env))
        #expect(hex.message == "sign: the secret is not hex" && hex.location.line == 24, "\(hex)")

        let clash = try #require(try diagnostic("capture: { userId: $.id }", "capture: { userId: $.id, session: $.s }"))
        #expect(clash.message.contains("token 'session' has the name of a capture"), "\(clash)")
        let field = try #require(try diagnostic("Bearer ${session}", "Bearer ${session.sub}"))
        #expect(field.message.contains("a token is a value of its own"), "\(field)")
        let nested = try #require(try diagnostic("role: admin", "role: \"${assertion}\""))
        #expect(nested.message.contains("uses ${assertion}, another token"), "\(nested)")
    }
}
