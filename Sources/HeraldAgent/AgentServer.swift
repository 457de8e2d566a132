import Foundation
import HTTPTypes
import HeraldCore
import Hummingbird
import Logging
import NIOCore

/// The TestAgent REST API over Herald: an orchestrator prepares a test (a contract), pushes data, asks for its actions,
/// reads the verdicts and cleans up. Routes under `/api/tests/{testId}`; `/openapi.json` describes them.
public enum HeraldAgent {
    /// Loads the test cases, then serves until the task is cancelled, and cleans up every open test before it returns.
    ///
    /// - Throws: `ContractErrors` for an invalid contract (before anything listens); `AgentStartError` when a
    ///   non-loopback address is asked for without a token; what the server throws when it cannot listen.
    public static func run(_ inputs: AgentInputs, onListening: @escaping @Sendable (Int) -> Void) async throws {
        if !inputs.isLoopback, inputs.token == nil { throw AgentStartError.tokenRequired(host: inputs.host) }
        let catalogue = try TestCatalogue(paths: inputs.paths)
        var logger = Logger(label: "herald-agent") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = inputs.verbose ? .info : .warning
        let tests = AgentTests(catalogue: catalogue, inputs: inputs, logger: logger)
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ProblemMiddleware(token: inputs.token, logger: logger))
        AgentRoutes(tests: tests).register(on: router)
        let app = Application(router: router, configuration: .init(address: .hostname(inputs.host, port: inputs.port)),
                              onServerRunning: { channel in onListening(channel.localAddress?.port ?? inputs.port) },
                              logger: logger)
        let outcome: Result<Void, any Error>
        do {
            try await app.runService(gracefulShutdownSignals: [])
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        // In a task that does not inherit the cancellation that stopped the server (SIGTERM): the cleanup steps'
        // requests must run.
        await Task.detached { await tests.cleanUpAll() }.value
        try outcome.get()
    }
}

/// Why the agent did not start.
public enum AgentStartError: Error, CustomStringConvertible {
    /// Binding an address other machines reach needs a bearer token.
    case tokenRequired(host: String)

    /// What went wrong, with what to do.
    public var description: String {
        switch self {
        case .tokenRequired(let host):
            "binding \(host) lets other machines drive Herald: give a bearer token with --token-file (or bind 127.0.0.1)"
        }
    }
}

/// Bearer-token check, problem+json for every error, and one log line per request.
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let token: String?
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response: Response
        do {
            try authorize(request)
            response = try await next(request, context)
        } catch let problem as Problem {
            response = problem.response
        } catch let error as HTTPError {
            response = Problem(status: error.status, detail: error.body ?? error.status.reasonPhrase).response
        } catch {
            logger.error("\(request.method) \(request.uri.path): \(error)")
            response = Problem(status: .internalServerError, detail: "the agent failed: \(error)").response
        }
        let ms = (ContinuousClock.now - started) / .milliseconds(1)
        logger.info("\(request.method) \(request.uri.path) → \(response.status.code) (\(Int(ms)) ms)")
        return response
    }

    private func authorize(_ request: Request) throws {
        guard let token else { return }
        let given = request.headers[.authorization] ?? ""
        guard given.hasPrefix("Bearer "), Self.same(Array(given.utf8.dropFirst(7)), Array(token.utf8)) else {
            throw Problem(status: .unauthorized, detail: "send the agent's token: Authorization: Bearer <token>")
        }
    }

    /// Compares in time that does not depend on where the first difference is.
    private static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
