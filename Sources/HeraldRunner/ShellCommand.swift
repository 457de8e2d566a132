import Foundation
import HeraldCore
import Synchronization

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
        let exit = Exit()
        process.terminationHandler = { _ in exit.mark() }
        try ChildProcess.launch(process)
        let reader = Task { await ChildProcess.readToEnd(pipe.fileHandleForReading) }
        let group = -process.processIdentifier
        await exit.wait(until: MonotonicInstant.now().advanced(by: timeout))
        let timedOut = !exit.happened
        if timedOut {
            kill(group, SIGTERM)
            await exit.wait(until: MonotonicInstant.now().advanced(by: .seconds(2)))
        }
        // Nothing the step started outlives it (a background `cmd &` would also hold the output pipe open).
        kill(group, SIGKILL)
        await exit.wait(until: MonotonicInstant.now().advanced(by: .seconds(5)))
        let data = await reader.value
        return (timedOut ? nil : process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A child's exit, told by its termination handler to the task that waits for it.
private final class Exit: Sendable {
    private let exited = Atomic<Bool>(false)
    private let wakeup = Wakeup()

    /// Whether the child has exited.
    var happened: Bool { exited.load(ordering: .acquiring) }

    /// Called once the child has exited.
    func mark() {
        exited.store(true, ordering: .releasing)
        wakeup.signal()
    }

    /// Waits until the child exits, `deadline` passes, or the task is cancelled.
    func wait(until deadline: MonotonicInstant) async {
        while !happened, !Task.isCancelled, MonotonicInstant.now() < deadline {
            await wakeup.wait(until: deadline)
        }
    }
}
