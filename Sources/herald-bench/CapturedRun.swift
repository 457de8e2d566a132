import Foundation
import HeraldCore

/// A child process run to its end with its output collected: the Python peers and the C floors.
enum CapturedRun {
    /// Runs `executable` (looked up on PATH when it has no slash) and collects its output through temporary files;
    /// `status` is nil when it was killed after `timeout`.
    static func run(_ executable: String, _ arguments: [String],
                    timeout: Duration) async throws -> (status: Int32?, stdout: String, stderr: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("out"), errURL = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        let stdout = try FileHandle(forWritingTo: outURL), stderr = try FileHandle(forWritingTo: errURL)
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try Interruption.shared.launch(process)
        let exited = await ChildProcess.wait(for: process, timeout: timeout)
        Interruption.shared.stop(process, grace: .seconds(1))
        try? stdout.close()
        try? stderr.close()
        let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        return (exited ? process.terminationStatus : nil, read(outURL), read(errURL))
    }
}
