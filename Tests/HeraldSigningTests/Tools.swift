import Foundation

/// Runs the openssl command line and Python's `cryptography` (scripts/setup installs both) to make keys and to check
/// Herald's signatures with code that is not Herald's.
enum Tools {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Runs `arguments` (the first is looked up on PATH) with `input` on standard input; returns the exit status and
    /// what it printed.
    @discardableResult
    static func run(_ arguments: [String], input: String = "") throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let stdin = Pipe(), out = Pipe()
        p.standardInput = stdin
        p.standardOutput = out
        p.standardError = out
        try p.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A fresh folder for keys.
    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("herald-signing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Makes a private key with `openssl genpkey` (`options` such as `-algorithm EC -pkeyopt …`) and its public key;
    /// returns both paths.
    static func key(_ options: [String], in folder: URL, name: String) throws -> (privateKey: String, publicKey: String) {
        let privateKey = folder.appendingPathComponent("\(name).pem").path
        let publicKey = folder.appendingPathComponent("\(name).pub.pem").path
        let made = try run(["openssl", "genpkey"] + options + ["-out", privateKey])
        guard made.status == 0 else { throw Failure(description: "openssl genpkey failed: \(made.output)") }
        let pub = try run(["openssl", "pkey", "-in", privateKey, "-pubout", "-out", publicKey])
        guard pub.status == 0 else { throw Failure(description: "openssl pkey -pubout failed: \(pub.output)") }
        return (privateKey, publicKey)
    }

    /// Whether Python's `cryptography` accepts a compact JWS (RS256 or ES256, the signature in JOSE form) under the
    /// public key at `publicKey`: prints "valid" or the reason.
    static func pythonVerifies(_ token: String, publicKey: String) throws -> String {
        let script = """
        import base64, sys
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
        token, path = sys.stdin.read().strip(), sys.argv[1]
        def b64(s): return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
        h, p, s = token.split(".")
        data, sig = (h + "." + p).encode(), b64(s)
        key = serialization.load_pem_public_key(open(path, "rb").read())
        try:
            if isinstance(key, ec.EllipticCurvePublicKey):
                assert len(sig) == 64, "ES256 signature is %d bytes, not 64" % len(sig)
                der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
                key.verify(der, data, ec.ECDSA(hashes.SHA256()))
            else:
                key.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
            print("valid")
        except Exception as e:
            print("invalid: %r" % e)
        """
        return try run(["python3", "-c", script, publicKey], input: token).output.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
