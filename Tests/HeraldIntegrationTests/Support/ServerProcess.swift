import Foundation
import HeraldCore

/// A built server executable (`herald-demo`, `herald agent`) started for a test, and the URL it said it listens on.
/// Stopped when the test is done with it.
final class ServerProcess: Sendable {
    let process: Process
    /// Where it listens: http://127.0.0.1:PORT.
    let url: String

    /// Starts `executable` (in the folder of the built binaries) with `arguments` and waits, up to 30 s, for its
    /// "… listening on URL" line. Its standard error goes to `stderr` (the test's own by default).
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws {
        let process = Process()
        process.executableURL = try Paths.binaries().appendingPathComponent(executable)
        process.arguments = arguments
        process.currentDirectoryURL = Paths.root
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try ChildProcess.launch(process)
        self.process = process
        do {
            url = try await Self.listeningURL(out.fileHandleForReading, of: executable)
        } catch {
            ChildProcess.stop(process)
            throw error
        }
    }

    /// Stops it (SIGTERM, then SIGKILL if it lingers).
    func stop() { ChildProcess.stop(process) }

    /// Reads the "listening on URL" line.
    private static func listeningURL(_ handle: FileHandle, of name: String) async throws -> String {
        let reader = Task.detached { () -> String? in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
                let text = String(decoding: buffer, as: UTF8.self)
                if let line = text.split(separator: "\n").first(where: { $0.contains("listening on ") }) {
                    return line.split(separator: " ").last.map(String.init)
                }
            }
        }
        let deadline = Task { try await Task.sleep(for: .seconds(30)); reader.cancel() }
        defer { deadline.cancel() }
        guard let url = await reader.value else { throw SetupFailure("\(name) did not say where it listens") }
        return url
    }
}
