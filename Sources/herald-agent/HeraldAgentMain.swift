import ArgumentParser
import Dispatch
import Foundation
import HeraldAgent
import HeraldCore
import HeraldContract
import HeraldPlan
import Synchronization

/// `herald-agent` (also `herald agent`): serves the TestAgent REST API until SIGINT or SIGTERM, then cleans up
/// every open test.
@main
struct HeraldAgentMain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "herald agent",
        abstract: "Serve the TestAgent REST API, so that an orchestrator can drive contracts step by step.",
        discussion: """
            Test cases are the contracts under PATHS (by their contract: name or file name). Prints \
            "herald agent listening on http://HOST:PORT" once it accepts connections; logs one line per request to \
            standard error; on SIGINT or SIGTERM cleans up every open test and exits 0.
            Exit codes: 2 an invalid contract, 3 cannot listen (or a non-loopback address without --token-file).
            """,
        version: HeraldVersion.version)

    @Argument(help: "Contract files or folders (default: contracts).")
    var paths: [String] = []

    @Option(help: "The address to bind to; another than loopback needs --token-file.")
    var host: String = "127.0.0.1"

    @Option(help: "The port to bind to (0 picks a free port).")
    var port: Int = 8090

    @Option(name: .customLong("token-file"), help: "A file holding the bearer token every request must carry.")
    var tokenFile: String?

    @Option(name: .customLong("env-file"), help: "Read KEY=VALUE lines into ${env.KEY}; their values are treated as secrets.")
    var envFiles: [String] = []

    @Option(name: .customLong("var"), help: "Set a variable: --var name=value (repeatable).")
    var vars: [String] = []

    @Flag(help: "Skip TLS certificate verification.")
    var insecure = false

    @Flag(help: "Log only warnings and errors.")
    var quiet = false

    func run() async throws {
        let inputs: AgentInputs
        do {
            inputs = try makeInputs()
        } catch let error as ValidationError {
            throw error
        } catch let errors as ContractErrors {
            Self.say(errors.description)
            throw ExitCode(2)
        } catch {
            Self.say("herald agent: \(error)")
            throw ExitCode(3)
        }
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let listening = Mutex(false)
        let server = Task {
            try await HeraldAgent.run(inputs) { port in
                listening.withLock { $0 = true }
                try? FileHandle.standardOutput.write(contentsOf: Data("herald agent listening on http://\(shownHost):\(port)\n".utf8))
            }
        }
        let signals = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { server.cancel() }
            source.resume()
            return source
        }
        defer { for s in signals { s.cancel() } }
        do {
            try await server.value
        } catch let errors as ContractErrors {
            Self.say(errors.description)
            throw ExitCode(2)
        } catch is CancellationError {
        } catch {
            Self.say("herald agent: \(listening.withLock { $0 } ? "" : "cannot listen on \(shownHost):\(port): ")\(error)")
            throw ExitCode(3)
        }
    }

    private func makeInputs() throws -> AgentInputs {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        var environment = ProcessInfo.processInfo.environment
        var secrets: Set<String> = []
        for file in envFiles {
            for (k, v) in try EnvFile.load(file) {
                environment[k] = v
                secrets.insert(v)
            }
        }
        var variables: [String: String] = [:]
        for item in vars {
            guard let eq = item.firstIndex(of: "=") else { throw ValidationError("--var takes name=value, got '\(item)'") }
            variables[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        var token: String?
        if let tokenFile {
            let text = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { throw ValidationError("--token-file \(tokenFile) is empty") }
            token = text
        }
        return AgentInputs(host: host, port: port, paths: paths.isEmpty ? ["contracts"] : paths, token: token,
                           variables: variables, environment: environment, secrets: secrets, insecure: insecure, verbose: !quiet)
    }

    private static func say(_ text: String) {
        try? FileHandle.standardError.write(contentsOf: Data((text + "\n").utf8))
    }
}
