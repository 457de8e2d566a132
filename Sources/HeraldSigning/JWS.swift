import COpenSSL
import HeraldCore

/// The JWS algorithms Herald signs with (RFC 7518 §3).
public enum JWSAlgorithm: String, Sendable, CaseIterable {
    /// HMAC with SHA-256, keyed with a shared secret.
    case hs256 = "HS256"
    /// RSASSA-PKCS1-v1_5 with SHA-256, with an RSA private key of 2048 bits or more.
    case rs256 = "RS256"
    /// ECDSA on P-256 with SHA-256, with an EC private key on that curve; the signature is R‖S, 64 bytes.
    case es256 = "ES256"

    /// Whether the algorithm signs with a private key (a PEM), not a shared secret.
    public var usesPrivateKey: Bool { self != .hs256 }

    /// Why `key` cannot sign with this algorithm, or `nil` when it can.
    public func problem(with key: SigningKey) -> SigningError? {
        switch (self, key.kind) {
        case (.rs256, .rsa(let bits)) where bits < 2048:
            return SigningError("RS256 needs an RSA key of 2048 bits or more (RFC 7518 §3.3), found \(bits) bits",
                                hint: "make one: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out key.pem")
        case (.rs256, .rsa):
            return nil
        case (.es256, .ec(let curve)) where curve == "prime256v1" || curve == "P-256":
            return nil
        case (.rs256, let kind):
            return SigningError("RS256 needs an RSA private key, found \(kind)",
                                hint: "use alg: ES256 for a P-256 EC key, or give an RSA key")
        case (.es256, let kind):
            return SigningError("ES256 needs an EC private key on P-256 (prime256v1), found \(kind)",
                                hint: "make one: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem")
        case (.hs256, _):
            return SigningError("HS256 signs with a shared secret, not a private key", hint: "write secret: instead of the key")
        }
    }
}

/// JSON Web Signatures in compact form (RFC 7515): what a JWT is.
public enum JWS {
    /// The compact JWS `BASE64URL(header).BASE64URL(payload).BASE64URL(signature)` of `claims`, with the header
    /// `{"alg": …, "typ": "JWT"}` plus `extraHeader` (a `kid`, say).
    public static func token(claims: JSONValue, algorithm: JWSAlgorithm, key: JWSKey,
                             extraHeader: [String: JSONValue] = [:]) throws(SigningError) -> String {
        var header = extraHeader
        header["alg"] = .string(algorithm.rawValue)
        header["typ"] = header["typ"] ?? .string("JWT")
        let input = ByteEncoding.base64URL(Array(JSONValue.object(header).encoded().utf8)) + "."
            + ByteEncoding.base64URL(Array(claims.encoded().utf8))
        let signature = try sign(Array(input.utf8), algorithm: algorithm, key: key)
        return input + "." + ByteEncoding.base64URL(signature)
    }

    /// The signature of a JWS signing input (`BASE64URL(header).BASE64URL(payload)` as bytes), as it goes in the
    /// token before encoding: the HMAC, the RSA signature, or R‖S for ES256.
    public static func sign(_ input: [UInt8], algorithm: JWSAlgorithm, key: JWSKey) throws(SigningError) -> [UInt8] {
        switch (algorithm, key) {
        case (.hs256, .secret(let secret)):
            return try HMACSHA256.mac(key: secret, data: input)
        case (.rs256, .privateKey(let k)):
            if let problem = algorithm.problem(with: k) { throw problem }
            return try k.digestSign(input)
        case (.es256, .privateKey(let k)):
            if let problem = algorithm.problem(with: k) { throw problem }
            return try joseECDSA(fromDER: try k.digestSign(input), size: 32)
        case (.hs256, .privateKey):
            throw SigningError("HS256 signs with a shared secret, not a private key", hint: "write secret: instead of the key")
        case (_, .secret):
            throw SigningError("\(algorithm.rawValue) signs with a private key, not a shared secret",
                               hint: "give key_file: or key: with a PEM private key")
        }
    }

    /// An ECDSA signature as JOSE writes it (RFC 7518 §3.4): R and S, each left-padded to `size` bytes, one after the
    /// other, from the DER `ECDSA-Sig-Value` OpenSSL makes (read with OpenSSL's own decoder).
    static func joseECDSA(fromDER der: [UInt8], size: Int) throws(SigningError) -> [UInt8] {
        let parsed = der.withUnsafeBufferPointer { buffer -> OpaquePointer? in
            var p = buffer.baseAddress
            return d2i_ECDSA_SIG(nil, &p, buffer.count)
        }
        guard let sig = parsed else { throw SigningError("OpenSSL made an ECDSA signature it cannot read back") }
        defer { ECDSA_SIG_free(sig) }
        var out = [UInt8](repeating: 0, count: 2 * size)
        guard let r = ECDSA_SIG_get0_r(sig), let s = ECDSA_SIG_get0_s(sig) else {
            throw SigningError("the ECDSA signature has no R or S")
        }
        let ok = out.withUnsafeMutableBufferPointer { o in
            BN_bn2binpad(r, o.baseAddress, Int32(size)) == Int32(size)
                && BN_bn2binpad(s, o.baseAddress! + size, Int32(size)) == Int32(size)
        }
        guard ok else { throw SigningError("an ECDSA signature value is longer than \(size) bytes") }
        return out
    }
}

/// What a JWS is signed with: a shared secret (HS256) or a private key (RS256, ES256).
public enum JWSKey: Sendable {
    /// The secret's bytes.
    case secret([UInt8])
    /// A loaded private key.
    case privateKey(SigningKey)
}

/// HMAC-SHA256 through OpenSSL's EVP_MAC.
public enum HMACSHA256 {
    /// The 32-byte HMAC-SHA256 of `data` keyed with `key`.
    public static func mac(key: [UInt8], data: [UInt8]) throws(SigningError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let ok = key.withUnsafeBufferPointer { k in
            data.withUnsafeBufferPointer { d in herald_hmac_sha256(k.baseAddress, k.count, d.baseAddress, d.count, &out) }
        }
        guard ok == 1 else { throw SigningError("OpenSSL failed to compute an HMAC: \(SigningError.openSSLReason())") }
        return out
    }
}

/// Random bytes from OpenSSL's generator.
public enum RandomBytes {
    /// `count` random bytes.
    public static func make(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        // RAND_bytes fails only when the generator cannot be seeded, which stops OpenSSL as a whole.
        precondition(RAND_bytes(&out, Int32(count)) == 1, "OpenSSL's random generator failed")
        return out
    }
}
