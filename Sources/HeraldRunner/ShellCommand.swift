import Foundation
import HeraldCore

/// Runs `/bin/sh -c` commands for `shell:` steps, with a deadline.
enum ShellCommand {
    /// Runs `command`; returns its exit status (`nil` when it was killed at the deadline) and its combined output.
    ///
    /// Foundation starts every child in a process group of its own (its pgid is its pid), so at the deadline the
    /// whole group is stopped, and so is whatever the shell left running when it exits.
    static func run(_ command: String, timeout: Duration) async throws -> (Int32?, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try ChildProcess.launch(process)
        let reader = Task.detached { pipe.fileHandleForReading.readDataToEndOfFile() }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var timedOut = false
        let group = -process.processIdentifier
        while process.isRunning {
            if ContinuousClock.now >= deadline || Task.isCancelled {
                timedOut = true
                kill(group, SIGTERM)
                _ = await ChildProcess.wait(for: process, timeout: .seconds(2))
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        // Nothing the step started outlives it (a background `cmd &` would also hold the output pipe open).
        kill(group, SIGKILL)
        _ = await ChildProcess.wait(for: process, timeout: .seconds(5))
        let data = await reader.value
        return (timedOut ? nil : process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
