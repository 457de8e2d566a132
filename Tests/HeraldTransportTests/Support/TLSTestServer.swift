import Foundation
import HeraldCore

#if canImport(Glibc)
import Glibc
#endif

/// `openssl s_server -www` on a loopback port with a fresh self-signed certificate for 127.0.0.1 and localhost:
/// a real TLS peer that answers any request with `HTTP/1.0 200 ok`. Needs the `openssl` command
/// (Debian package `openssl`).
final class TLSTestServer: Sendable {
    let port: Int
    /// The self-signed certificate, usable as a CA file.
    let certificateFile: String
    private let directory: String
    private let process: Process

    init() throws {
        directory = NSTemporaryDirectory() + "herald-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        certificateFile = directory + "/cert.pem"
        let key = directory + "/key.pem"
        try Self.run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                      "-keyout", key, "-out", certificateFile, "-days", "2", "-subj", "/CN=localhost",
                      "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"])
        port = try LoopbackPort.free()
        process = Process()
        process.executableURL = try Self.openssl()
        process.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificateFile, "-key", key, "-www", "-quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try ChildProcess.launch(process)
        try waitUntilListening()
    }

    /// Stops the server and removes its files.
    func stop() {
        ChildProcess.stop(process)
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func waitUntilListening() throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while ContinuousClock.now < deadline {
            if LoopbackPort.accepts(port) { return }
            usleep(10_000)
        }
        stop()
        throw ScriptFailure("openssl s_server did not listen on port \(port) within 5 s")
    }


    private static func openssl() throws -> URL {
        for path in ["/usr/bin/openssl", "/usr/local/bin/openssl"] where FileManager.default.isExecutableFile(atPath: path) {
            return URL(fileURLWithPath: path)
        }
        throw ScriptFailure("the TLS tests need the openssl command: apt-get install openssl")
    }

    private static func run(_ arguments: [String]) throws {
        let p = Process()
        p.executableURL = try openssl()
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try ChildProcess.launch(p)
        guard ChildProcess.waitBlocking(for: p, timeout: .seconds(30)) else {
            ChildProcess.stop(p)
            throw ScriptFailure("openssl \(arguments.first ?? "") did not finish within 30 s")
        }
        guard p.terminationStatus == 0 else { throw ScriptFailure("openssl \(arguments.first ?? "") failed") }
    }
}
