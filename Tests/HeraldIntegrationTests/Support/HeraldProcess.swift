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
    private let stdout: Collector
    private let stderr: Collector
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
        stdout = Collector(out.fileHandleForReading)
        stderr = Collector(err.fileHandleForReading)
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
private final class Collector: @unchecked Sendable {
    // Sound: `data` is written only by the reading thread, and read only after `done` has been waited on.
    private var data = Data()
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        Thread.detachNewThread { [self] in
            data = handle.readDataToEndOfFile()
            done.signal()
        }
    }

    func finish() -> String {
        done.wait()
        return String(decoding: data, as: UTF8.self)
    }
}

/// A loopback TCP port with nothing listening on it.
func closedPort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw SetupFailure("socket() failed: errno \(errno)") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
            bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
        }
    }
    guard bound else { throw SetupFailure("bind() on 127.0.0.1 failed: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
