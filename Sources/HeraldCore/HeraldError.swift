/// How a run ends, as the process exit code that CI reads.
public enum ExitStatus: Int32, Sendable, Codable, Comparable {
    /// Every expectation passed (known gaps allowed).
    case passed = 0
    /// At least one assertion failed.
    case failed = 1
    /// A contract is invalid.
    case invalidContract = 2
    /// A service, broker or socket failed before judging was possible.
    case infrastructure = 3

    /// Orders statuses by precedence when several contracts end differently: invalid > infrastructure > failed > passed.
    public static func < (lhs: ExitStatus, rhs: ExitStatus) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .passed: 0
        case .failed: 1
        case .infrastructure: 2
        case .invalidContract: 3
        }
    }
}

/// One problem found in a contract file: where, what, and how to fix it.
public struct Diagnostic: Error, Hashable, Sendable, Codable, CustomStringConvertible {
    /// Where the problem is.
    public var location: SourceLocation
    /// What is wrong.
    public var message: String
    /// How to fix it, when Herald can tell.
    public var hint: String?

    /// Creates a diagnostic.
    public init(_ message: String, at location: SourceLocation, hint: String? = nil) {
        self.location = location
        self.message = message
        self.hint = hint
    }

    /// `file:line:col: error: message` and, on the next line, the hint.
    public var description: String {
        var s = "\(location): error: \(message)"
        if let hint { s += "\n  hint: \(hint)" }
        return s
    }
}

/// Every problem found while loading contracts. Exits with code 2.
public struct ContractErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public var diagnostics: [Diagnostic]

    /// Creates the error from its diagnostics.
    public init(_ diagnostics: [Diagnostic]) { self.diagnostics = diagnostics }

    /// One diagnostic per paragraph.
    public var description: String { diagnostics.map(\.description).joined(separator: "\n") }
}

/// A failure outside the contracts: a service, broker or socket that could not be used. Exits with code 3.
public struct InfrastructureError: Error, Sendable, CustomStringConvertible {
    /// What failed, with the (credential-masked) address.
    public var message: String
    /// What to check or install, when Herald can tell.
    public var hint: String?

    /// Creates the error.
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }

    /// The message and hint.
    public var description: String {
        if let hint { return "\(message)\n  hint: \(hint)" }
        return message
    }
}
