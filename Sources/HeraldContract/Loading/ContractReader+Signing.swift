import HeraldCore

/// `tokens:` (named JWT signers) and a step's `sign:` (an HMAC of the body in a header).
extension ContractReader {
    /// Names a token cannot take: they already mean something in `${…}`.
    static let reservedTokenNames: Set<String> = ["env", "run", "uuid", "worker", "round", "actor"]

    static let tokenHint = "tokens: { device: { alg: ES256, key_file: keys/device.pem, expires_in: 60s, claims: { sub: \"${env.CLIENT_ID}\" } } }"

    /// `tokens: { NAME: { alg, key_file | key | secret, secret_encoding, kid, expires_in, claims } }`.
    func tokens(_ node: YAMLNode) throws(Diagnostic) -> [TokenDeclaration] {
        try node.pairs("tokens").map { p throws(Diagnostic) in try token(p.key, p.value, keyNode: p.keyNode) }
    }

    private func token(_ name: String, _ node: YAMLNode, keyNode: YAMLNode) throws(Diagnostic) -> TokenDeclaration {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw keyNode.error("a token name is letters, digits, '_' or '-', found '\(name)'", hint: "it is used as ${\(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })}")
        }
        if Self.reservedTokenNames.contains(name) {
            throw keyNode.error("'\(name)' already means something in ${…}", hint: "name the token after what it is for, like device_assertion")
        }
        let f = try node.fields("token '\(name)'", allowed: ["alg", "key_file", "key", "secret", "secret_encoding", "kid", "expires_in", "claims"])
        let algNode = try f.required("alg", hint: "say how it is signed: alg: HS256, RS256 or ES256")
        let algText = try algNode.string("alg")
        guard let algorithm = TokenAlgorithm(rawValue: algText.uppercased()) else {
            let known = TokenAlgorithm.allCases.map(\.rawValue)
            throw algNode.error("unsupported alg '\(algText)'", hint: "Herald signs with \(known.joined(separator: ", "))")
        }
        let sources = ["key_file", "key", "secret"].filter { f.has($0) }
        guard sources.count == 1 else {
            if sources.isEmpty {
                throw node.error("token '\(name)' needs its key",
                                 hint: algorithm == .hs256 ? "HS256 signs with a shared secret: secret: \"${env.JWT_SECRET}\""
                                     : "\(algorithm.rawValue) signs with a private key: key_file: keys/device.pem, or key: \"${env.DEVICE_KEY}\"")
            }
            throw f[sources[1]]!.error("'\(sources[0])' and '\(sources[1])' cannot be combined", hint: "give the key once")
        }
        let sourceNode = f[sources[0]]!
        let key: SigningKeySource
        switch sources[0] {
        case "secret":
            guard algorithm == .hs256 else {
                throw f.keyNodeError("secret", "\(algorithm.rawValue) signs with a private key, not a shared secret",
                                     hint: "write key_file: keys/device.pem or key: \"${env.DEVICE_KEY}\", or use alg: HS256")
            }
            key = .secret(try sourceNode.template("secret"), try secretEncoding(f["secret_encoding"]))
        default:
            guard algorithm != .hs256 else {
                throw f.keyNodeError(sources[0], "HS256 signs with a shared secret, not a private key",
                                     hint: "write secret: \"${env.JWT_SECRET}\", or use alg: RS256 or ES256 with this key")
            }
            if let e = f["secret_encoding"] { throw e.error("'secret_encoding' belongs to secret:") }
            let t = try sourceNode.template(sources[0])
            key = sources[0] == "key" ? .privateKey(t) : .file(t)
        }
        var expiresIn: Duration?
        if let e = f["expires_in"] {
            expiresIn = try e.duration("expires_in")
            if expiresIn! <= .zero { throw e.error("expires_in must be more than zero", hint: "expires_in: 60s") }
        }
        var claims: [(name: String, value: JSONValue)] = []
        if let c = f["claims"] {
            for p in try c.pairs("claims") { claims.append((p.key, try p.value.json())) }
        }
        return TokenDeclaration(name: name, algorithm: algorithm, key: key, expiresIn: expiresIn, claims: claims,
                                keyID: try f["kid"]?.template("kid"), location: keyNode.location, keyLocation: sourceNode.location)
    }

    private func secretEncoding(_ node: YAMLNode?) throws(Diagnostic) -> SecretEncoding {
        guard let node else { return .text }
        let text = try node.string("secret_encoding")
        guard let e = SecretEncoding(rawValue: text) else {
            throw node.error("unknown secret_encoding '\(text)'",
                             hint: "one of \(SecretEncoding.allCases.map(\.rawValue).joined(separator: ", ")) (text, the default, signs with the secret's UTF-8 bytes)")
        }
        return e
    }

    /// `sign: { header: X-Signature, hmac_sha256: "${env.WEBHOOK_SECRET}", prefix: "sha256=", encoding: hex }`.
    func bodySignature(_ node: YAMLNode) throws(Diagnostic) -> BodySignature {
        let hint = "sign: { header: X-Signature, hmac_sha256: \"${env.WEBHOOK_SECRET}\", prefix: \"sha256=\", encoding: hex }"
        let f = try node.fields("sign", allowed: ["header", "hmac_sha256", "secret_encoding", "prefix", "encoding"])
        let header = try f.required("header", hint: "name the header that carries the signature: \(hint)").string("header")
        guard !header.isEmpty, header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_".contains($0)) }) else {
            throw f["header"]!.error("'\(header)' is not a header name", hint: hint)
        }
        let secret = try f.required("hmac_sha256", hint: "give the shared secret: \(hint)").template("hmac_sha256")
        var encoding = "hex"
        if let e = f["encoding"] {
            encoding = try e.string("encoding")
            guard ["hex", "base64", "base64url"].contains(encoding) else {
                throw e.error("unknown encoding '\(encoding)'", hint: "encoding: hex (the default), base64 or base64url")
            }
        }
        return BodySignature(header: header, secret: secret, secretEncoding: try secretEncoding(f["secret_encoding"]),
                             prefix: try f["prefix"]?.string("prefix") ?? "", encoding: encoding, location: node.location)
    }
}

extension Fields {
    /// An error at the key `key` (rather than at its value).
    func keyNodeError(_ key: String, _ message: String, hint: String? = nil) -> Diagnostic {
        Diagnostic(message, at: keyLocation(key), hint: hint)
    }
}
