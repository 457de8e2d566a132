import Foundation
import HeraldCore

/// Runs `/bin/sh -c` commands for `shell:` steps, with a deadline.
enum ShellCommand {
    /// Runs `command`; returns its exit status (`nil` when it was killed at the deadline) and its combined output.
    ///
    /// The shell runs in a session of its own (through `setsid`, part of Debian's essential util-linux), so that at the
    /// deadline the whole process group is stopped: a `sleep` the shell started would otherwise keep the output
    /// pipe open and the step would wait on it.
    static func run(_ command: String, timeout: Duration) async throws -> (Int32?, String) {
        let process = Process()
        let setsid = "/usr/bin/setsid"
        if FileManager.default.isExecutableFile(atPath: setsid) {
            process.executableURL = URL(fileURLWithPath: setsid)
            process.arguments = ["/bin/sh", "-c", command]
        } else {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", command]
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try ChildProcess.launch(process)
        let reader = Task.detached { pipe.fileHandleForReading.readDataToEndOfFile() }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var timedOut = false
        while process.isRunning {
            if ContinuousClock.now >= deadline || Task.isCancelled {
                timedOut = true
                let group = -process.processIdentifier
                kill(group, SIGTERM)
                if !ChildProcess.waitBlocking(for: process, timeout: .seconds(2)) { kill(group, SIGKILL) }
                kill(group, SIGKILL)
                break
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        _ = await ChildProcess.wait(for: process, timeout: .seconds(5))
        let data = await reader.value
        return (timedOut ? nil : process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
