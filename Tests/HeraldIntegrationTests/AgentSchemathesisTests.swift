import Foundation
import HeraldCore
import Synchronization
import Testing

/// schemathesis (PyPI) against `herald agent` and the demo backend, with docs/agent-openapi.json: no server error, and
/// every status, content type and body as the document declares.
@Suite("herald agent against its OpenAPI document")
struct AgentSchemathesisTests {
    /// The checks run on every response. Left out: positive_data_acceptance (an action or test case the agent does
    /// not know is a 400 or 404 by design, and no schema can name them, since they depend on the contracts served),
    /// negative_data_rejection, and unsupported_method (a method a path lacks is a problem+json 404, not a 405).
    static let checks = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,use_after_free"

    @Test("schemathesis finds no server error and no response that breaks the document")
    func schemathesisRunsClean() async throws {
        // Not installed: a failure that says how to install it (never a skip).
        let (_, version) = try await python("import schemathesis; print(schemathesis.__version__)", [], module: "schemathesis")
        let work = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }

        let demo = try Server(executable: "herald-demo", ["--port", "0"], marker: "listening on ")
        defer { demo.stop() }
        let demoURL = try await demo.url()
        // Only agent-offer: the demo backend serves it; other contracts need brokers this test does not start.
        let agent = try Server(executable: "herald", ["agent", "--port", "0", "contracts/agent-offer.yaml"],
                               marker: "herald agent listening on ", environment: ["BASE_URL": demoURL])
        defer { agent.stop() }
        let agentURL = try await agent.url()

        // A fixed seed, so that a failure can be replayed; runs of the same command with another --seed or more
        // --max-examples explore further.
        let arguments = ["-m", "schemathesis.cli", "run", Paths.root.appendingPathComponent("docs/agent-openapi.json").path,
                         "--url", agentURL, "--checks", Self.checks, "--max-examples", "20", "--seed", "20261206",
                         "--request-timeout", "30", "--generation-database", "none", "--no-color"]
        let run = try await Self.python3(arguments, in: work, limit: .seconds(300))
        #expect(run.status == 0, """
            schemathesis \(version.trimmingCharacters(in: .whitespacesAndNewlines)): python3 \(arguments.joined(separator: " ")) \
            exited \(run.status)
            \(run.output)
            --- herald agent (stderr)
            \(agent.stop())
            """)
        #expect(run.output.contains("No issues found"), "\(run.output)")
    }

    /// Runs `python3 arguments…` in `directory` (so that nothing it writes lands in the package) and collects its
    /// output; a run that outlives `limit` is stopped and fails the test.
    private static func python3(_ arguments: [String], in directory: URL, limit: Duration) async throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let reader = Task { await ChildProcess.readToEnd(pipe.fileHandleForReading) }
        try ChildProcess.launch(process)
        if await !ChildProcess.wait(for: process, timeout: limit) {
            ChildProcess.stop(process)
            throw SetupFailure("python3 \(arguments.joined(separator: " ")) still ran after \(limit): stopped\n\(String(decoding: await reader.value, as: UTF8.self))")
        }
        return (process.terminationStatus, String(decoding: await reader.value, as: UTF8.self))
    }
}

/// A built executable serving on a free loopback port (it was given `--port 0`), which says where on standard output.
private final class Server: Sendable {
    let process: Process
    private let name: String
    private let marker: String
    private let stdout: FileHandle
    private let stderr: PipeCollector
    /// What it wrote to standard error, once it stopped.
    private let errors = Mutex<String?>(nil)

    init(executable name: String, _ arguments: [String], marker: String, environment: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = try Paths.binaries().appendingPathComponent(name)
        process.arguments = arguments
        process.currentDirectoryURL = Paths.root
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        stdout = out.fileHandleForReading
        stderr = PipeCollector(err.fileHandleForReading)
        self.process = process
        self.name = name
        self.marker = marker
        try ChildProcess.launch(process)
    }

    /// The URL of the line that starts with `marker`, once the process printed it.
    func url() async throws -> String {
        let (handle, marker, process) = (stdout, marker, process)
        let reader = Task.detached { () -> String? in
            var buffer = Data()
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
                let text = String(decoding: buffer, as: UTF8.self)
                if let line = text.split(separator: "\n").first(where: { $0.contains(marker) }) {
                    return line.split(separator: " ").last.map(String.init)
                }
            }
        }
        let deadline = Task { try await Task.sleep(for: .seconds(30)); process.terminate() }
        defer { deadline.cancel() }
        guard let url = await reader.value else {
            throw SetupFailure("\(name) did not say where it listens:\n\(stop())")
        }
        return url
    }

    /// Stops the process (SIGTERM, then SIGKILL) and returns what it wrote to standard error.
    @discardableResult
    func stop() -> String {
        ChildProcess.stop(process)
        return errors.withLock { text in
            if text == nil { text = stderr.finish() }
            return text ?? ""
        }
    }
}
