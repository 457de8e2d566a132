import Foundation
import HeraldContract
import HeraldCore
import HeraldSigning
import Synchronization

/// The keys of a contract's tokens and signatures, each read and parsed once per distinct file or value.
public final class TokenKeyring: Sendable {
    private let keys = Mutex<[String: SigningKey]>([:])

    /// An empty keyring.
    public init() {}

    /// The private key at `path` (PEM or DER).
    func key(file path: String) throws(SigningError) -> SigningKey {
        if let known = keys.withLock({ $0["file:" + path] }) { return known }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isFolder: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isFolder)
            throw SigningError(exists ? (isFolder.boolValue ? "the key file \(path) is a folder" : "cannot read the key file \(path)")
                                      : "no key file at \(path)",
                               hint: "key_file is relative to the contract's folder; check the path and its permissions")
        }
        let key = try SigningKey(bytes: Array(data))
        keys.withLock { $0["file:" + path] = key }
        return key
    }

    /// The private key written as `text` (PEM, PEM with `\n` escapes, or Base64).
    func key(text: String) throws(SigningError) -> SigningKey {
        if let known = keys.withLock({ $0["text:" + text] }) { return known }
        let key = try SigningKey(text: text)
        keys.withLock { $0["text:" + text] = key }
        return key
    }
}

/// Signs a contract's tokens (`tokens:`) while it runs: each use of `${name}` makes a new token, with `iat` now,
/// `exp` from `expires_in`, a random `jti`, and the claims rendered in the scope of the use. Every key, secret and
/// token it handles is registered with the redactor, when it has one.
public struct TokenMint: Sendable {
    /// The declarations, by name.
    public let declarations: [String: TokenDeclaration]
    /// The folder that `key_file` paths are relative to.
    public let folder: String
    /// Where keys are kept once loaded.
    public let keyring: TokenKeyring
    /// Told every secret value the mint reads or makes, so that none is ever shown.
    public var redactor: Redactor?

    /// The mint of `plan`'s tokens, or `nil` when it declares none.
    public init?(plan: ContractPlan) {
        guard !plan.contract.tokens.isEmpty else { return nil }
        self.init(tokens: plan.contract.tokens, contractFile: plan.contract.file, keyring: plan.keyring)
    }

    /// A mint of `tokens` declared in `contractFile`.
    public init(tokens: [TokenDeclaration], contractFile: String, keyring: TokenKeyring = TokenKeyring()) {
        declarations = Dictionary(tokens.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        folder = (contractFile as NSString).deletingLastPathComponent
        self.keyring = keyring
    }

    /// A new token for `ref` when it names one of the tokens, `nil` when it names none.
    func token(for ref: VariableReference, in scope: Bindings, now: Date = Date()) throws(TemplateError) -> JSONValue? {
        guard let declaration = declarations[ref.root] else { return nil }
        do {
            return .string(try token(declaration, in: scope, now: now))
        } catch let error as TemplateError {
            throw TemplateError(reference: ref.description, location: error.location,
                                reason: "token '\(declaration.name)' needs ${\(error.reference)}")
        } catch {
            throw TemplateError(reference: ref.description, location: declaration.location, reason: "\(error)")
        }
    }

    /// A new token of `declaration`, its claims rendered in `scope`.
    public func token(_ declaration: TokenDeclaration, in scope: Bindings, now: Date = Date()) throws -> String {
        let issued = Int(now.timeIntervalSince1970)
        var claims: [String: JSONValue] = ["iat": .number(Double(issued)), "jti": .string(ByteEncoding.base64URL(RandomBytes.make(16)))]
        if let life = declaration.expiresIn {
            // NumericDate in whole seconds; a life under a second still ends after `iat`.
            let seconds = max(1, Int((Double(life.components.seconds) + Double(life.components.attoseconds) / 1e18).rounded(.up)))
            claims["exp"] = .number(Double(issued + seconds))
        }
        for (name, value) in declaration.claims { claims[name] = try value.rendered(in: scope) }
        var header: [String: JSONValue] = [:]
        if let kid = declaration.keyID { header["kid"] = .string(try kid.renderString(in: scope)) }
        let token = try JWS.token(claims: .object(claims), algorithm: JWSAlgorithm(declaration.algorithm),
                                  key: try key(of: declaration, in: scope), extraHeader: header)
        redactor?.add(secret: token)
        return token
    }

    /// The key `declaration` signs with, its text rendered in `scope`.
    public func key(of declaration: TokenDeclaration, in scope: some VariableScope) throws -> JWSKey {
        let key: JWSKey
        switch declaration.key {
        case .secret(let template, let encoding):
            key = .secret(try secret(template, encoding, in: scope))
        case .privateKey(let template):
            let text = try template.renderString(in: scope)
            redactor?.add(secret: text)
            key = .privateKey(try keyring.key(text: text))
        case .file(let template):
            let path = try template.renderString(in: scope)
            key = .privateKey(try keyring.key(file: path.hasPrefix("/") ? path : (folder as NSString).appendingPathComponent(path)))
        }
        if case .privateKey(let k) = key, let problem = JWSAlgorithm(declaration.algorithm).problem(with: k) { throw problem }
        return key
    }

    /// The bytes of a shared secret written as `template` in `encoding`, registered as a secret.
    public func secret(_ template: Template, _ encoding: SecretEncoding, in scope: some VariableScope) throws -> [UInt8] {
        try Self.secret(template, encoding, in: scope, redactor: redactor)
    }

    /// The bytes of a shared secret written as `template` in `encoding`, registered with `redactor`.
    public static func secret(_ template: Template, _ encoding: SecretEncoding, in scope: some VariableScope,
                              redactor: Redactor?) throws -> [UInt8] {
        let text = try template.renderString(in: scope)
        redactor?.add(secret: text)
        let bytes: [UInt8]?
        switch encoding {
        case .text: bytes = Array(text.utf8)
        case .base64: bytes = ByteEncoding.base64.decode(text)
        case .base64url: bytes = ByteEncoding.base64url.decode(text)
        case .hex: bytes = ByteEncoding.hex.decode(text.lowercased())
        }
        guard let bytes else {
            throw SigningError("the secret is not \(encoding.rawValue)", hint: "check secret_encoding, or leave it out to sign with the text's bytes")
        }
        guard !bytes.isEmpty else { throw SigningError("the secret is empty", hint: "set the variable that holds it") }
        return bytes
    }
}

extension JWSAlgorithm {
    /// The algorithm a contract names.
    init(_ algorithm: TokenAlgorithm) {
        switch algorithm {
        case .hs256: self = .hs256
        case .rs256: self = .rs256
        case .es256: self = .es256
        }
    }
}

extension Bindings {
    /// A reference as a template renders it: a new token for a token's name, ``value(for:)`` otherwise.
    public func resolve(_ reference: VariableReference) throws(TemplateError) -> JSONValue? {
        if let tokens, reference.fields.isEmpty, reference.index == nil, let token = try tokens.token(for: reference, in: self) {
            return token
        }
        return value(for: reference)
    }
}
