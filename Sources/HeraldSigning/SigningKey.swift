import COpenSSL
import Foundation

/// Why a key could not be loaded or used.
public struct SigningError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, for a person; never holds key material.
    public var message: String
    /// How to fix it, when known.
    public var hint: String?

    /// Creates an error.
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    /// The message.
    public var description: String { message }

    /// OpenSSL's latest error reason, cleared from its queue ("" when there is none).
    static func openSSLReason() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        herald_last_error(&buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A private key loaded by OpenSSL (an `EVP_PKEY`), for RS256 and ES256 signatures.
///
/// `@unchecked Sendable`: the key is read-only once loaded, and OpenSSL 3 allows one `EVP_PKEY` to be used for
/// signing from several threads at once as long as nothing modifies it; each signature has a context of its own.
public final class SigningKey: @unchecked Sendable {
    /// The key's type, as the algorithms need to know it.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        /// An RSA key of this many bits.
        case rsa(bits: Int)
        /// An elliptic-curve key on this named curve (`prime256v1` is P-256).
        case ec(curve: String)
        /// Another type (Ed25519, DSA, …), by OpenSSL's name.
        case other(String)

        /// "an RSA key (2048 bits)", "an EC key on prime256v1", "an ED25519 key".
        public var description: String {
            switch self {
            case .rsa(let bits): "an RSA key (\(bits) bits)"
            case .ec(let curve): "an EC key on \(curve)"
            case .other(let name): "a key of type \(name)"
            }
        }
    }

    let pointer: OpaquePointer
    /// The key's type.
    public let kind: Kind

    private init(_ pointer: OpaquePointer) {
        self.pointer = pointer
        if EVP_PKEY_get_base_id(pointer) == EVP_PKEY_RSA {
            kind = .rsa(bits: Int(EVP_PKEY_get_bits(pointer)))
        } else if EVP_PKEY_get_base_id(pointer) == EVP_PKEY_EC {
            var name = [CChar](repeating: 0, count: 80)
            var length = 0
            let ok = EVP_PKEY_get_group_name(pointer, &name, name.count, &length) == 1
            kind = .ec(curve: ok ? String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "an unknown curve")
        } else {
            let type = EVP_PKEY_get0_type_name(pointer).map { String(cString: $0) } ?? "unknown"
            kind = .other(type)
        }
    }

    deinit { EVP_PKEY_free(pointer) }

    /// Loads a private key from PEM text (`-----BEGIN PRIVATE KEY-----`, `BEGIN RSA PRIVATE KEY`, `BEGIN EC PRIVATE
    /// KEY`), from the same text with its line breaks written as `\n` (as an env file holds it), or from the Base64
    /// of a PEM or DER key.
    public convenience init(text: String) throws(SigningError) {
        var text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.contains("-----BEGIN"), !text.contains("\n") { text = text.replacingOccurrences(of: "\\n", with: "\n") }
        if text.contains("-----BEGIN") {
            try self.init(pem: text)
        } else if let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !data.isEmpty {
            try self.init(bytes: Array(data))
        } else {
            throw SigningError("the key is neither PEM text nor Base64",
                               hint: "give a PEM private key (-----BEGIN PRIVATE KEY-----), or its Base64")
        }
    }

    /// Loads a private key from a file's bytes: PEM, or DER.
    public convenience init(bytes: [UInt8]) throws(SigningError) {
        if let text = String(validating: bytes, as: UTF8.self), text.contains("-----BEGIN") {
            try self.init(pem: text)
            return
        }
        let key = bytes.withUnsafeBufferPointer { herald_der_private_key($0.baseAddress, $0.count) }
        guard let key else {
            let reason = SigningError.openSSLReason()
            throw SigningError("the key is not a private key OpenSSL can read (DER)\(reason.isEmpty ? "" : ": \(reason)")",
                               hint: "give a PEM or DER private key: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem")
        }
        self.init(key)
    }

    private convenience init(pem: String) throws(SigningError) {
        let key = pem.withCString { herald_pem_private_key($0, Int32(strlen($0))) }
        guard let key else {
            let reason = SigningError.openSSLReason()
            if pem.contains("BEGIN PUBLIC KEY") || pem.contains("BEGIN CERTIFICATE") || pem.contains("BEGIN RSA PUBLIC KEY") {
                throw SigningError("the PEM holds a public key or a certificate; signing needs the private key",
                                   hint: "give the private key (-----BEGIN PRIVATE KEY-----); its public key is what the server verifies with")
            }
            if pem.contains("ENCRYPTED") {
                throw SigningError("the PEM private key is encrypted with a passphrase",
                                   hint: "decrypt it for tests: openssl pkey -in key.pem -out plain.pem")
            }
            throw SigningError("the PEM is not a private key OpenSSL can read\(reason.isEmpty ? "" : ": \(reason)")",
                               hint: "give a PEM private key: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem")
        }
        self.init(key)
    }

    /// The signature of `data` with SHA-256, through `EVP_DigestSign`: PKCS#1 v1.5 for an RSA key, DER-encoded
    /// ECDSA for an EC key.
    func digestSign(_ data: [UInt8]) throws(SigningError) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw SigningError("OpenSSL could not make a digest context") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, EVP_sha256(), nil, pointer) == 1 else {
            throw SigningError("OpenSSL cannot sign with \(kind): \(SigningError.openSSLReason())")
        }
        var length = 0
        let ok = data.withUnsafeBufferPointer { d in EVP_DigestSign(ctx, nil, &length, d.baseAddress, d.count) }
        guard ok == 1 else { throw SigningError("OpenSSL failed to sign: \(SigningError.openSSLReason())") }
        var signature = [UInt8](repeating: 0, count: length)
        let signed = data.withUnsafeBufferPointer { d in EVP_DigestSign(ctx, &signature, &length, d.baseAddress, d.count) }
        guard signed == 1 else { throw SigningError("OpenSSL failed to sign: \(SigningError.openSSLReason())") }
        return Array(signature.prefix(length))
    }
}
