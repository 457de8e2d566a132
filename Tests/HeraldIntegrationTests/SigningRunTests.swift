import Foundation
import HeraldCore
import Testing

/// `herald run` with `tokens:` and `sign:` against a small auth server (Tests/Fixtures/signing/auth_server.py) that
/// verifies with Python's own libraries what Herald signs with OpenSSL: client assertions (ES256), HS256 tokens and
/// their expiry, and HMAC-signed webhooks; accepted when right, refused when forged, expired or signed with the wrong
/// secret. No key, secret or token appears in any output.
@Suite("JWT and HMAC signing end to end", .serialized)
struct SigningRunTests {
    static let fixtures = Paths.fixtures.appendingPathComponent("signing")

    /// Makes a P-256 private key at `path` with the openssl command, and its public key beside it.
    static func key(_ path: URL) async throws -> String {
        for arguments in [["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path.path],
                          ["pkey", "-in", path.path, "-pubout", "-out", path.path + ".pub"]] {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["openssl"] + arguments
            try ChildProcess.launch(p)
            guard await ChildProcess.wait(for: p, timeout: .seconds(30)), p.terminationStatus == 0 else {
                throw SetupFailure("openssl \(arguments[0]) failed: install openssl (scripts/setup does it)")
            }
        }
        return try String(contentsOf: path, encoding: .utf8)
    }

    /// Starts the auth server and waits for its "listening on URL" line.
    static func startServer(environment: [String: String]) async throws -> (Process, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", fixtures.appendingPathComponent("auth_server.py").path]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        try ChildProcess.launch(process)
        let reader = Task.detached { () -> String? in
            var text = ""
            while true {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { return text.isEmpty ? nil : "!" + text }
                text += String(decoding: chunk, as: UTF8.self)
                if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("listening on ") }) {
                    return String(line.dropFirst("listening on ".count))
                }
            }
        }
        let deadline = Task { try await Task.sleep(for: .seconds(30)); ChildProcess.stop(process) }
        defer { deadline.cancel() }
        guard let url = await reader.value, !url.hasPrefix("!") else {
            ChildProcess.stop(process)
            throw SetupFailure("the auth server did not start (it needs Python's cryptography: scripts/setup installs it)")
        }
        return (process, url)
    }

    @Test("assertions, tokens and webhooks: accepted when right; forged, expired and wrong-secret refused; no secret in any output")
    func signing() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let devicePEM = try await Self.key(dir.appendingPathComponent("device.pem"))
        let forgedPEM = try await Self.key(dir.appendingPathComponent("forged.pem"))
        let jwtSecret = "planted-jwt-secret-61d0", webhookSecret = "planted-webhook-secret-93ab"
        let seen = dir.appendingPathComponent("seen.txt")
        let envFile = dir.appendingPathComponent("device.env")
        try """
            DEVICE_KEY=\(devicePEM.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "\\n"))
            CLIENT_ID=device-7
            JWT_SECRET=\(jwtSecret)
            WEBHOOK_SECRET=\(webhookSecret)

            """.write(to: envFile, atomically: true, encoding: .utf8)
        let (server, url) = try await Self.startServer(environment: [
            "CLIENT_ID": "device-7", "PUBLIC_KEY": dir.appendingPathComponent("device.pem.pub").path,
            "JWT_SECRET": jwtSecret, "WEBHOOK_SECRET": webhookSecret, "SEEN_FILE": seen.path, "ACCESS_TTL": "60",
        ])
        defer { ChildProcess.stop(server) }
        let env = ["AUTH_URL": url, "FORGED_KEY_FILE": dir.appendingPathComponent("forged.pem").path]

        let out = dir.appendingPathComponent("out"), trace = dir.appendingPathComponent("trace.jsonl")
        let green = try await herald(["run", "device-and-webhooks.yaml", "--env-file", envFile.path, "--report", out.path,
                                      "--trace", trace.path, "-v"], in: Self.fixtures, environment: env, limit: .seconds(60))
        #expect(green.status == 0, "\(green)")
        #expect(green.stdout.contains("expectations: 15 passed, 0 failed"), "\(green)")

        let redOut = dir.appendingPathComponent("red")
        let red = try await herald(["run", "forged-accepted.yaml", "webhook-wrong-secret.yaml", "--env-file", envFile.path,
                                    "--report", redOut.path], in: Self.fixtures, environment: env, limit: .seconds(60))
        #expect(red.status == 1, "the server refused both, so the contracts that expected 200 fail\n\(red)")
        let report = try String(contentsOf: redOut.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(report.contains("invalid_client") && report.contains("accepted"), "the refusals are the evidence")

        // What must never show: the keys (any line of their PEM), the secrets, and every token and signature the
        // server received.
        var secrets = [jwtSecret, webhookSecret, "planted-wrong-webhook-secret"]
        for pem in [devicePEM, forgedPEM] {
            secrets += pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.map(String.init)
        }
        let received = try String(contentsOf: seen, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(received.count >= 8, "the server saw the tokens and signatures: \(received.count)")
        for value in received {
            secrets.append(value.hasPrefix("sha256=") ? String(value.dropFirst(7)) : value)
            // A JWT's signature alone, in case only part of a token were shown.
            if value.split(separator: ".").count == 3 { secrets.append(String(value.split(separator: ".")[2])) }
        }
        var outputs: [(String, String)] = [("stdout", green.stdout), ("stderr", green.stderr), ("red stdout", red.stdout),
                                           ("trace", try String(contentsOf: trace, encoding: .utf8))]
        for folder in [out, redOut] {
            for name in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
                outputs.append(("\(folder.lastPathComponent)/\(name)",
                                String(decoding: try Data(contentsOf: folder.appendingPathComponent(name)), as: UTF8.self)))
            }
        }
        #expect(outputs.count == 12, "\(outputs.map(\.0))")
        for (name, text) in outputs {
            for secret in secrets where text.contains(secret) {
                Issue.record("\(name) holds a secret: \(secret.prefix(12))…")
            }
        }
        // Not vacuous: the token and the signature were recorded, masked.
        let json = try String(contentsOf: out.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(json.contains("client_assertion=•••"), "the assertion in the form body is masked")
        #expect(json.contains("sha256=•••"), "the webhook signature header is masked")
    }

    @Test("a key file that cannot be read, or of the wrong type, is exit 2 with the line of key_file")
    func invalidKey() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let contract = try String(contentsOf: Self.fixtures.appendingPathComponent("forged-accepted.yaml"), encoding: .utf8)
        try contract.write(to: dir.appendingPathComponent("c.yaml"), atomically: true, encoding: .utf8)
        let env = ["AUTH_URL": "http://127.0.0.1:9", "CLIENT_ID": "d", "FORGED_KEY_FILE": dir.appendingPathComponent("none.pem").path]
        let missing = try await herald(["validate", "c.yaml"], in: dir, environment: env)
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderr.contains("c.yaml:7:15: error: token 'forged_assertion': no key file at"), "\(missing)")
        try "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----\n"
            .write(to: dir.appendingPathComponent("none.pem"), atomically: true, encoding: .utf8)
        let wrong = try await herald(["run", "c.yaml"], in: dir, environment: env)
        #expect(wrong.status == 2, "\(wrong)")
        #expect(wrong.stderr.contains("signing needs the private key"), "\(wrong)")
    }
}
