import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Starting, waiting for and stopping child processes so that a deadline always holds and signals reach them.
///
/// Two traps of Foundation's `Process` on Linux are avoided here:
/// - `run()` spawns with the calling thread's signal mask, and the threads of Swift's concurrency pool block
///   nearly every signal, so a child started from a task would never see SIGTERM or SIGINT;
/// - `waitUntilExit()` spins a run loop at full CPU off the main thread, and never returns if the child ignores
///   the signal that was meant to end it.
public enum ChildProcess {
    /// Starts `process` with no signal blocked in the child.
    public static func launch(_ process: Process) throws {
        var everything = sigset_t(), previous = sigset_t()
        sigemptyset(&everything)
        // Unblock on this thread only for the spawn, then put the caller's mask back.
        pthread_sigmask(SIG_SETMASK, &everything, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        try process.run()
    }

    /// Waits until `process` exits or `timeout` passes; returns whether it exited.
    public static func wait(for process: Process, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Blocks the calling thread until `process` exits or `timeout` passes; returns whether it exited.
    public static func waitBlocking(for process: Process, timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while process.isRunning {
            if ContinuousClock.now >= deadline { return false }
            usleep(5_000)
        }
        return true
    }

    /// Everything `handle` gives until its end (a child's pipe: until the child and every process it started have
    /// closed it), read on a thread of its own: a blocking read on the concurrency pool would hold one of its few
    /// threads (two on a 2-core machine) for as long as the child runs.
    public static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { (done: CheckedContinuation<Data, Never>) in
            let thread = Thread { done.resume(returning: handle.readDataToEndOfFile()) }
            thread.name = "herald-pipe"
            thread.start()
        }
    }

    /// Stops `process`: SIGTERM, then SIGKILL when it is still running after `grace`. Returns once it is gone.
    public static func stop(_ process: Process, grace: Duration = .seconds(3)) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGTERM)
        if waitBlocking(for: process, timeout: grace) { return }
        kill(process.processIdentifier, SIGKILL)
        _ = waitBlocking(for: process, timeout: .seconds(5))
    }
}
