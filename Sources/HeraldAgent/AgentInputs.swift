import Foundation
import HeraldPlan

/// What `herald agent` is started with.
public struct AgentInputs: Sendable {
    /// The address to bind (127.0.0.1 unless told otherwise).
    public var host: String
    /// The port (0 picks a free one).
    public var port: Int
    /// Folders and files whose contracts are the test cases.
    public var paths: [String]
    /// The bearer token every request must carry (required when `host` is not a loopback address).
    public var token: String?
    /// `--var` values.
    public var variables: [String: String]
    /// The environment (`${env.NAME}`), with `--env-file` values.
    public var environment: [String: String]
    /// Values never shown (from `--env-file`).
    public var secrets: Set<String>
    /// Skip TLS verification.
    public var insecure: Bool
    /// Log one line per operation to standard error.
    public var verbose: Bool

    /// Creates the inputs.
    public init(host: String = "127.0.0.1", port: Int = 0, paths: [String], token: String? = nil, variables: [String: String] = [:],
                environment: [String: String] = ProcessInfo.processInfo.environment, secrets: Set<String> = [],
                insecure: Bool = false, verbose: Bool = true) {
        self.host = host
        self.port = port
        self.paths = paths
        self.token = token
        self.variables = variables
        self.environment = environment
        self.secrets = secrets.union(token.map { [$0] } ?? [])
        self.insecure = insecure
        self.verbose = verbose
    }

    /// Whether `host` only accepts connections from this machine.
    public var isLoopback: Bool { ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.") }

    /// Options for one test: a run id of its own, so that parallel tests never share data.
    func runOptions() -> RunOptions {
        RunOptions(variables: variables, environment: environment, secrets: secrets, insecure: insecure)
    }
}
