import ArgumentParser
import Foundation
import HeraldCore

/// `herald demo`: starts the bundled demo backend on a free loopback port and runs contracts/ against it.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start the bundled demo backend and run the example contracts against it.",
        discussion: """
            The backend runs as a child process (herald-demo, built beside herald) on a free loopback port, and the
            contracts see its URL as ${env.BASE_URL}. --defect switches on one of its defects: \(DemoBackendProcess.defects.joined(separator: ", ")).
            """)

    @Option(name: .customLong("defect"), help: "Switch on a defect of the demo backend (repeatable).")
    var defects: [String] = []

    @Option(help: "The contracts to run (default: contracts).")
    var contracts: String = "contracts"

    @OptionGroup var flags: RunFlags

    func validate() throws {
        for d in defects where !DemoBackendProcess.defects.contains(d) {
            throw ValidationError("unknown defect '\(d)'; the demo backend has: \(DemoBackendProcess.defects.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let backend: DemoBackendProcess
        do {
            backend = try DemoBackendProcess.start(defects: defects)
        } catch let error as InfrastructureError {
            Terminal.err("herald: \(error)")
            throw ExitStatus.infrastructure.exitCode
        }
        defer { backend.stop() }
        Terminal.err("demo backend on \(backend.baseURL)\(defects.isEmpty ? "" : " with defect\(defects.count == 1 ? "" : "s") \(defects.joined(separator: ", "))")")
        let status = try await RunSession.run(paths: [contracts], flags: flags, extraEnvironment: ["BASE_URL": backend.baseURL])
        backend.stop()
        throw status.exitCode
    }
}

/// The demo backend as a child process.
final class DemoBackendProcess {
    /// The defects `herald-demo --defect` knows.
    static let defects = ["wrong-recipient", "missing-event", "reorder", "duplicate", "slow"]

    let process: Process
    let baseURL: String
    private var stopped = false

    private init(process: Process, baseURL: String) {
        self.process = process
        self.baseURL = baseURL
    }

    /// The `herald-demo` executable beside the running `herald`.
    static func executable() throws -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = ((me as NSString).deletingLastPathComponent as NSString).appendingPathComponent("herald-demo")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw InfrastructureError("the demo backend is not built: no executable at \(path)",
                                      hint: "build it with: swift build --product herald-demo (the same configuration as herald)")
        }
        return path
    }

    /// Starts the backend on a free port and waits (up to 20 s) for it to say where it listens.
    static func start(defects: [String]) throws -> DemoBackendProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try executable())
        process.arguments = ["--port", "0"] + defects.flatMap { ["--defect", $0] }
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        do { try ChildProcess.launch(process) } catch {
            throw InfrastructureError("cannot start the demo backend: \(error)")
        }
        let handle = out.fileHandleForReading
        var buffer = Data()
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.contains("listening on ") }),
               let url = line.split(separator: " ").last {
                // Keep draining its stdout so the child never blocks on a full pipe.
                handle.readabilityHandler = { h in _ = h.availableData }
                return DemoBackendProcess(process: process, baseURL: String(url))
            }
        }
        ChildProcess.stop(process)
        throw InfrastructureError("the demo backend did not report a listening port within 20 s")
    }

    /// Stops the backend (SIGTERM, then SIGKILL after 5 s).
    func stop() {
        guard !stopped else { return }
        stopped = true
        ChildProcess.stop(process, grace: .seconds(5))
    }
}
