import ArgumentParser
import Foundation
import HeraldCore

/// `herald agent`: serves the TestAgent REST API. The server is the `herald-agent` executable beside `herald`, which
/// this command becomes (exec), so that every other command starts without the server's libraries.
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Serve the TestAgent REST API, so that an orchestrator can drive contracts step by step.",
        discussion: """
            Runs herald-agent with the same arguments: herald agent [PATHS…] [--host H] [--port P] [--token-file F] \
            [--env-file F] [--var k=v] [--insecure] [--quiet]. See herald agent --help.
            """)

    @Argument(parsing: .allUnrecognized, help: "Arguments for herald-agent.")
    var arguments: [String] = []

    func run() throws {
        let path: String
        do {
            path = try Sibling.executable("herald-agent", what: "the agent")
        } catch let error as InfrastructureError {
            Terminal.err("herald: \(error)")
            throw ExitCode(3)
        }
        let argv = [path] + arguments
        var cArgs = argv.map { strdup($0) } + [nil]
        execv(path, &cArgs)
        Terminal.err("herald: cannot run \(path): \(String(cString: strerror(errno)))")
        throw ExitCode(3)
    }
}
