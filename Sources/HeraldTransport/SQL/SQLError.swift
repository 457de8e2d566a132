/// A failure of an SQL service: it could not be reached, refused the credentials, took too long, or refused the
/// query. Messages name the URL with its password masked, and never hold the password.
public struct SQLError: Error, Sendable, CustomStringConvertible {
    /// What failed.
    public enum Kind: Sendable, Equatable {
        /// The URL is not one Herald reads.
        case invalidURL
        /// The server or file could not be reached or opened.
        case unreachable
        /// The server refused the user or password.
        case credentials
        /// The database named in the URL does not exist.
        case noDatabase
        /// The connection or query did not finish in time.
        case timeout
        /// The connection broke.
        case closed
        /// The server refused the query (syntax, unknown table or column, a constraint): a fact about the system
        /// under test, judged as a failed step rather than an infrastructure error.
        case query
    }

    /// What failed.
    public let kind: Kind
    /// The URL, with its password masked.
    public let url: String
    /// What the database said, with secrets masked.
    public let detail: String

    /// Creates an error; `detail` is scrubbed of `secrets`.
    public init(_ kind: Kind, url: String, detail: String, secrets: [String] = []) {
        self.kind = kind
        self.url = SQLURL.masked(url)
        var text = detail
        for s in secrets where !s.isEmpty { text = text.replacingAll(s, with: "***") }
        // libpq ends its messages with a line break; several lines become one.
        self.detail = text.split(whereSeparator: \.isNewline)
            .map { line in String(line.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()) }
            .filter { !$0.isEmpty }.joined(separator: "; ")
    }

    /// `database postgres://u:***@host/db: what happened`.
    public var description: String { "database \(url): \(detail)" }

    /// Whether the server refused the query itself (not the connection).
    public var isQueryError: Bool { kind == .query }
}

extension SQLError: TransportDiagnosis {
    /// What to check, by what failed.
    public var hint: String? {
        switch kind {
        case .invalidURL: "write postgres://user:password@host:port/database or sqlite:///absolute/path.db"
        case .unreachable: url.lowercased().hasPrefix("sqlite:") ? "check the path: the SQLite file must exist and be readable"
            : TransportHint.notRunning
        case .credentials: TransportHint.credentials("the user and password in the service URL (postgres://user:password@host/db)")
        case .noDatabase: "check the database name at the end of the service URL"
        case .timeout: TransportHint.slow
        case .closed: TransportHint.hungUp
        case .query: "fix the query: the database refused it"
        }
    }
}
