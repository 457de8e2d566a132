import Foundation

/// Runs `/bin/sh -c` commands for `shell:` steps, with a deadline.
enum ShellCommand {
    /// Runs `command`; returns its exit status (`nil` when it was killed at the deadline) and its combined output.
    static func run(_ command: String, timeout: Duration) async throws -> (Int32?, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let reader = Task.detached { pipe.fileHandleForReading.readDataToEndOfFile() }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now >= deadline || Task.isCancelled {
                process.terminate()
                timedOut = true
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        process.waitUntilExit()
        let data = await reader.value
        return (timedOut ? nil : process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
