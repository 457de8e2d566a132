import Foundation
import HeraldCore
import Synchronization

/// A built server executable (`herald-demo`, `herald agent`) started for a test, and the URL it said it listens on.
/// Stopped when the test is done with it.
final class ServerProcess: Sendable {
    let process: Process
    /// Where it listens: http://127.0.0.1:PORT.
    let url: String
    private let stderr: PipeCollector
    /// What it wrote to standard error, once it stopped.
    private let errors = Mutex<String?>(nil)

    /// Starts `executable` (in the folder of the built binaries) with `arguments` and waits, up to 30 s, for its
    /// "… listening on URL" line. What it writes to standard error is kept, for `stop()` to return.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws {
        let process = Process()
        process.executableURL = try Paths.binaries().appendingPathComponent(executable)
        process.arguments = arguments
        process.currentDirectoryURL = Paths.root
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let collector = PipeCollector(err.fileHandleForReading)
        try ChildProcess.launch(process)
        self.process = process
        stderr = collector
        do {
            url = try await Self.listeningURL(out.fileHandleForReading, of: executable)
        } catch {
            ChildProcess.stop(process)
            throw SetupFailure("\(error)\n\(collector.finish())")
        }
    }

    /// Stops it (SIGTERM, then SIGKILL if it lingers) and returns what it wrote to standard error.
    @discardableResult
    func stop() -> String {
        ChildProcess.stop(process)
        return errors.withLock { text in
            if text == nil { text = stderr.finish() }
            return text ?? ""
        }
    }

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
