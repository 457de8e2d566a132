import HeraldCore

/// A named JWT signer (`tokens:`): every `${name}` renders a freshly signed token, with its own `iat`, `exp` and
/// `jti`.
public struct TokenDeclaration: Sendable {
    /// Its name, referenced as `${name}`.
    public var name: String
    /// The JWS algorithm.
    public var algorithm: TokenAlgorithm
    /// Where the key comes from.
    public var key: SigningKeySource
    /// The token lives this long (`exp` = `iat` + this), when given.
    public var expiresIn: Duration?
    /// Claims, as written: their strings are templates rendered with the run's variables at each use. They win
    /// over `iat`, `exp` and `jti`.
    public var claims: [(name: String, value: JSONValue)]
    /// The `kid` header, when given (a template).
    public var keyID: Template?
    /// Where the name is written.
    public var location: SourceLocation
    /// Where the key (`key_file`, `key` or `secret`) is written.
    public var keyLocation: SourceLocation

    /// Creates a declaration.
    public init(name: String, algorithm: TokenAlgorithm, key: SigningKeySource, expiresIn: Duration? = nil,
                claims: [(name: String, value: JSONValue)] = [], keyID: Template? = nil, location: SourceLocation,
                keyLocation: SourceLocation) {
        self.name = name
        self.algorithm = algorithm
        self.key = key
        self.expiresIn = expiresIn
        self.claims = claims
        self.keyID = keyID
        self.location = location
        self.keyLocation = keyLocation
    }

    /// Every `${…}` reference in the declaration.
    public var references: [VariableReference] {
        var refs = claims.flatMap(\.value.templateReferences) + (keyID?.references ?? [])
        switch key {
        case .file(let t), .privateKey(let t): refs += t.references
        case .secret(let t, _): refs += t.references
        }
        return refs
    }
}

/// The algorithms a token can be signed with.
public enum TokenAlgorithm: String, Sendable, CaseIterable {
    /// HMAC-SHA256 with a shared secret.
    case hs256 = "HS256"
    /// RSA PKCS#1 v1.5 with SHA-256.
    case rs256 = "RS256"
    /// ECDSA P-256 with SHA-256.
    case es256 = "ES256"
}

/// Where a signing key comes from.
public enum SigningKeySource: Sendable {
    /// A PEM or DER private key file (`key_file:`), relative to the contract's folder.
    case file(Template)
    /// A PEM private key (or its Base64) as a value (`key: "${env.DEVICE_KEY}"`).
    case privateKey(Template)
    /// A shared secret (`secret:`), as text or in an encoding (`secret_encoding:`).
    case secret(Template, SecretEncoding)
}

/// How a shared secret is written.
public enum SecretEncoding: String, Sendable, CaseIterable {
    /// Its UTF-8 bytes.
    case text
    /// Base64.
    case base64
    /// Base64url (JWK's `k`).
    case base64url
    /// Hexadecimal.
    case hex
}

/// An HMAC-SHA256 signature of an HTTP step's body, sent in a header (`sign:`), for signed webhooks.
public struct BodySignature: Sendable {
    /// The header that carries it (`X-Signature`).
    public var header: String
    /// The shared secret (`hmac_sha256:`).
    public var secret: Template
    /// How the secret is written.
    public var secretEncoding: SecretEncoding
    /// Text before the signature (`sha256=`).
    public var prefix: String
    /// How the signature is written: `hex` (default), `base64` or `base64url`.
    public var encoding: String
    /// Where `sign:` is written.
    public var location: SourceLocation

    /// Creates a signature description.
    public init(header: String, secret: Template, secretEncoding: SecretEncoding = .text, prefix: String = "",
                encoding: String = "hex", location: SourceLocation) {
        self.header = header
        self.secret = secret
        self.secretEncoding = secretEncoding
        self.prefix = prefix
        self.encoding = encoding
        self.location = location
    }
}
