import Foundation
import HeraldCore
import Testing
@testable import HeraldSigning

@Suite("HMAC and JWS against published vectors")
struct VectorTests {
    @Test("HMAC-SHA256: RFC 4231 test case 2")
    func rfc4231() throws {
        let mac = try HMACSHA256.mac(key: Array("Jefe".utf8), data: Array("what do ya want for nothing?".utf8))
        #expect(ByteEncoding.hex(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test("HMAC-SHA256 with an empty key and empty data (RFC 2104 allows both)")
    func empty() throws {
        let mac = try HMACSHA256.mac(key: [], data: [])
        #expect(ByteEncoding.hex(mac) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("HS256: RFC 7515 appendix A.1")
    func rfc7515() throws {
        let input = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
            + ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
        let k = try #require(ByteEncoding.base64url.decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"))
        let signature = try JWS.sign(Array(input.utf8), algorithm: .hs256, key: .secret(k))
        #expect(ByteEncoding.base64URL(signature) == "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
    }

    @Test("a whole HS256 token: header, claims, and a signature the same HMAC gives")
    func hs256Token() throws {
        let token = try JWS.token(claims: ["sub": "device-1", "iat": 1_700_000_000], algorithm: .hs256, key: .secret(Array("s3cret-key".utf8)))
        let parts = token.split(separator: ".").map(String.init)
        #expect(parts.count == 3)
        let header = try #require(ByteEncoding.base64url.decode(parts[0]))
        #expect(String(decoding: header, as: UTF8.self) == #"{"alg":"HS256","typ":"JWT"}"#)
        let claims = try #require(ByteEncoding.base64url.decode(parts[1]))
        #expect(String(decoding: claims, as: UTF8.self) == #"{"iat":1700000000,"sub":"device-1"}"#)
        let mac = try HMACSHA256.mac(key: Array("s3cret-key".utf8), data: Array("\(parts[0]).\(parts[1])".utf8))
        #expect(ByteEncoding.base64URL(mac) == parts[2])
    }

    @Test("encodings: hex, Base64, Base64url both ways")
    func encodings() {
        let bytes: [UInt8] = [0xfb, 0xff, 0x00, 0x3e]
        #expect(ByteEncoding.hex.encode(bytes) == "fbff003e")
        #expect(ByteEncoding.base64.encode(bytes) == "+/8APg==")
        #expect(ByteEncoding.base64url.encode(bytes) == "-_8APg")
        for e in ByteEncoding.allCases { #expect(e.decode(e.encode(bytes)) == bytes) }
        #expect(ByteEncoding.base64url.decode("+/8APg==") == nil)
        #expect(ByteEncoding.hex.decode("abc") == nil)
    }
}

@Suite("RS256 and ES256 checked by OpenSSL's command line and Python's cryptography")
struct AsymmetricTests {
    @Test("RS256: openssl dgst -verify accepts the signature, and rejects it under another key")
    func rs256() throws {
        let folder = try Tools.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = try Tools.key(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], in: folder, name: "rsa")
        let other = try Tools.key(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], in: folder, name: "other")
        let signer = try SigningKey(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: key.privateKey))))
        #expect(signer.kind == .rsa(bits: 2048))
        let token = try JWS.token(claims: ["sub": "a"], algorithm: .rs256, key: .privateKey(signer), extraHeader: ["kid": "k1"])
        let parts = token.split(separator: ".").map(String.init)
        let input = folder.appendingPathComponent("input"), sig = folder.appendingPathComponent("sig")
        try Data("\(parts[0]).\(parts[1])".utf8).write(to: input)
        try Data(try #require(ByteEncoding.base64url.decode(parts[2]))).write(to: sig)
        let verified = try Tools.run(["openssl", "dgst", "-sha256", "-verify", key.publicKey, "-signature", sig.path, input.path])
        #expect(verified.status == 0 && verified.output.contains("Verified OK"), "\(verified.output)")
        let forged = try Tools.run(["openssl", "dgst", "-sha256", "-verify", other.publicKey, "-signature", sig.path, input.path])
        #expect(forged.status != 0)
        #expect(try Tools.pythonVerifies(token, publicKey: key.publicKey) == "valid")
        let header = String(decoding: try #require(ByteEncoding.base64url.decode(parts[0])), as: UTF8.self)
        #expect(header == #"{"alg":"RS256","kid":"k1","typ":"JWT"}"#)
    }

    @Test("ES256: a 64-byte R‖S signature that Python's cryptography verifies, fresh each time")
    func es256() throws {
        let folder = try Tools.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = try Tools.key(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], in: folder, name: "ec")
        let other = try Tools.key(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], in: folder, name: "other")
        let signer = try SigningKey(bytes: Array(try Data(contentsOf: URL(fileURLWithPath: key.privateKey))))
        #expect(signer.kind == .ec(curve: "prime256v1"))
        // Many signatures: R or S with leading zero bytes (one in 128) must still be padded to 32 bytes each.
        for i in 0..<40 {
            let token = try JWS.token(claims: ["n": .number(Double(i))], algorithm: .es256, key: .privateKey(signer))
            let signature = try #require(ByteEncoding.base64url.decode(String(token.split(separator: ".")[2])))
            #expect(signature.count == 64)
            if i < 5 { #expect(try Tools.pythonVerifies(token, publicKey: key.publicKey) == "valid") }
            if i == 0 { #expect(try Tools.pythonVerifies(token, publicKey: other.publicKey).hasPrefix("invalid")) }
        }
    }

    @Test("keys: PEM with escaped line breaks, Base64 of DER; wrong types, small RSA, public keys and encrypted PEM refused")
    func keys() throws {
        let folder = try Tools.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let ec = try Tools.key(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"], in: folder, name: "ec")
        let pem = try String(contentsOfFile: ec.privateKey, encoding: .utf8)
        let escaped = try SigningKey(text: pem.replacingOccurrences(of: "\n", with: "\\n"))
        #expect(escaped.kind == .ec(curve: "prime256v1"))
        let der = folder.appendingPathComponent("ec.der").path
        #expect(try Tools.run(["openssl", "pkey", "-in", ec.privateKey, "-outform", "DER", "-out", der]).status == 0)
        let fromBase64 = try SigningKey(text: try Data(contentsOf: URL(fileURLWithPath: der)).base64EncodedString())
        #expect(fromBase64.kind == .ec(curve: "prime256v1"))
        #expect(JWSAlgorithm.rs256.problem(with: escaped)?.message.contains("RSA private key") == true)

        let p384 = try Tools.key(["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], in: folder, name: "p384")
        let k384 = try SigningKey(text: try String(contentsOfFile: p384.privateKey, encoding: .utf8))
        #expect(JWSAlgorithm.es256.problem(with: k384)?.message.contains("P-256") == true)
        #expect(throws: SigningError.self) { try JWS.token(claims: [:], algorithm: .es256, key: .privateKey(k384)) }

        let small = try Tools.key(["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"], in: folder, name: "small")
        let k1024 = try SigningKey(text: try String(contentsOfFile: small.privateKey, encoding: .utf8))
        #expect(JWSAlgorithm.rs256.problem(with: k1024)?.message.contains("2048") == true)

        let pub = try String(contentsOfFile: ec.publicKey, encoding: .utf8)
        let publicError = #expect(throws: SigningError.self) { try SigningKey(text: pub) }
        #expect(publicError?.message.contains("public key") == true)

        let encrypted = folder.appendingPathComponent("enc.pem").path
        #expect(try Tools.run(["openssl", "pkey", "-in", ec.privateKey, "-aes256", "-passout", "pass:pw", "-out", encrypted]).status == 0)
        let encryptedError = #expect(throws: SigningError.self) {
            try SigningKey(text: try String(contentsOfFile: encrypted, encoding: .utf8))
        }
        #expect(encryptedError?.message.contains("encrypted") == true)

        #expect(throws: SigningError.self) { try SigningKey(text: "not a key at all!") }
        #expect(throws: SigningError.self) { try SigningKey(bytes: Array("garbage".utf8)) }
        #expect(throws: SigningError.self) { try JWS.token(claims: [:], algorithm: .hs256, key: .privateKey(escaped)) }
        #expect(throws: SigningError.self) { try JWS.token(claims: [:], algorithm: .es256, key: .secret([1, 2, 3])) }
    }
}
