import Foundation
import HeraldCore
import Testing

/// What a finished `herald` process left behind.
struct Finished: CustomStringConvertible {
    /// The exit status.
    var status: Int32
    /// Everything it wrote to stdout.
    var stdout: String
    /// Everything it wrote to stderr.
    var stderr: String
    /// How long it ran.
    var elapsed: Duration

    var description: String { "exit \(status) after \(elapsed)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Where the package's files are.
enum Paths {
    /// The package root (two levels above this file's folder).
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The test fixtures, kept outside every target so SwiftPM does not treat them as resources.
    static let fixtures = root.appendingPathComponent("Tests/Fixtures")

    /// The folder with the built executables: the one holding this test bundle, or `.build/debug`.
    static func binaries() throws -> URL {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let candidates = [
            URL(fileURLWithPath: me).deletingLastPathComponent(),
            root.appendingPathComponent(".build/debug"),
        ]
        for dir in candidates
        where FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("herald").path)
            && FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("herald-demo").path) {
            return dir
        }
        throw SetupFailure("""
            the herald and herald-demo executables are not built (looked in \(candidates.map(\.path).joined(separator: ", "))); \
            build them first: swift build --build-tests
            """)
    }

    /// A new empty folder, removed by the caller.
    static func temporaryFolder() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("herald-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// The test environment is not ready, with what to do about it.
struct SetupFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs the built `herald` with `arguments` in `directory` and waits at most `limit` for it.
///
/// A process that outlives the limit is stopped and the test fails: a hang is a bug, never a slow pass.
func herald(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
            limit: Duration = .seconds(60)) async throws -> Finished {
    try await RunningHerald(arguments, in: directory, environment: environment).finish(limit: limit)
}

/// A `herald` process that is still running, for tests that interrupt it.
final class RunningHerald: Sendable {
    let process: Process
    let arguments: [String]
    private let stdout: PipeCollector
    private let stderr: PipeCollector
    private let start = ContinuousClock.now

    /// Starts the built `herald` with `arguments` in `directory` (the package root by default).
    init(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = try Paths.binaries().appendingPathComponent("herald")
        process.arguments = arguments
        process.currentDirectoryURL = directory ?? Paths.root
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        env["GITHUB_ACTIONS"] = nil
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        stdout = PipeCollector(out.fileHandleForReading)
        stderr = PipeCollector(err.fileHandleForReading)
        self.process = process
        self.arguments = arguments
        try ChildProcess.launch(process)
    }

    /// Sends `signal` (SIGINT is Ctrl-C).
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits at most `limit` for the process to end, and collects what it wrote.
    func finish(limit: Duration) async -> Finished {
        if await !ChildProcess.wait(for: process, timeout: limit) {
            ChildProcess.stop(process)
            Issue.record("herald \(arguments.joined(separator: " ")) still ran after \(limit): stopped")
        }
        let elapsed = ContinuousClock.now - start
        return Finished(status: process.terminationStatus, stdout: stdout.finish(), stderr: stderr.finish(), elapsed: elapsed)
    }
}

/// Reads a pipe to its end on a background thread, so the child never blocks on a full pipe.
final class PipeCollector: @unchecked Sendable {
    // Sound: `data` is written only by the reading thread before it signals `done`, and read only after a wait on
    // `done` succeeded; when the wait times out, `data` is not touched.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    /// Everything read, once the pipe closed; empty (with an issue recorded) when a leftover process keeps it open.
    func finish() -> String {
        guard done.wait(timeout: .now() + 15) == .success else {
            Issue.record("a pipe stayed open 15 s after its process exited")
            return ""
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A loopback TCP port that refuses connections for as long as the tests run (held bound, never listened on, so
/// no server started meanwhile can take it).
func closedPort() throws -> Int { try LoopbackPort.refusing() }

/// Waits until `condition` holds, looking every 50 ms; fails the test (throws) when it still does not after `within`.
func waitUntil(_ what: String, within: Duration, _ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: within)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw SetupFailure("\(what): not within \(within)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}
