import Foundation
import HeraldCore

/// A fresh self-signed certificate for `localhost` and 127.0.0.1 and its key, made with the `openssl` command
/// (Debian package `openssl`) in a temporary directory, readable by everyone (a broker started as root reads them
/// after switching to its own user).
struct SelfSignedCertificate: Sendable {
    let directory: String
    /// The certificate, usable as a CA file.
    let certificateFile: String
    let keyFile: String

    init() throws {
        directory = NSTemporaryDirectory() + "herald-cert-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        certificateFile = directory + "/cert.pem"
        keyFile = directory + "/key.pem"
        let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let openssl else { throw ScriptFailure("these tests need the openssl command: apt-get install openssl") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: openssl)
        p.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", keyFile, "-out", certificateFile, "-days", "2", "-subj", "/CN=localhost",
                       "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try ChildProcess.launch(p)
        guard ChildProcess.waitBlocking(for: p, timeout: .seconds(30)), p.terminationStatus == 0 else {
            ChildProcess.stop(p)
            throw ScriptFailure("openssl req failed to make a test certificate")
        }
        for file in [certificateFile, keyFile] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        }
    }

    /// Removes the files.
    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}
