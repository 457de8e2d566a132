/// What Redis server to connect to, and how.
public struct RedisOptions: Sendable {
    /// A `redis://` URL: `redis://host[:port][/db]`, with a password as `redis://:password@host:port/db` or, for
    /// an ACL user, `redis://user:password@host:port/db`. The port defaults to 6379, the database to 0. Messages
    /// always show the password masked.
    public var url: String
    /// A password that overrides the URL's (sent with `AUTH`). Never shown.
    public var password: String?
    /// How long resolving, TCP connect and the first exchange (`AUTH`, `SELECT`, `PING`) may take together.
    public var connectTimeout: Duration
    /// The default deadline of a command or a (un)subscription; each call can give its own.
    public var commandTimeout: Duration

    /// Creates options; by default 5 s to connect and 5 s per command.
    public init(url: String, password: String? = nil, connectTimeout: Duration = .seconds(5),
                commandTimeout: Duration = .seconds(5)) {
        self.url = url
        self.password = password
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }
}

/// The parts of a `redis://` URL.
struct RedisURL: Sendable {
    let host: String
    let port: Int
    let user: String?
    let password: String?
    let database: Int

    init?(_ text: String) {
        guard let parts = URLParts(text), parts.scheme == "redis" else { return nil }
        host = parts.host
        port = parts.explicitPort ? parts.port : 6379
        var path = parts.pathAndQuery
        if let q = path.firstIndex(of: "?") { path = String(path[..<q]) }
        let db = path.dropFirst()
        if db.isEmpty {
            database = 0
        } else {
            guard let n = Int(db), n >= 0 else { return nil }
            database = n
        }
        if let password = parts.password {
            user = parts.user.flatMap { $0.isEmpty ? nil : $0 }
            self.password = password.isEmpty ? nil : password
        } else {
            // `redis://secret@host` is read as a password, the way redis-cli reads it.
            user = nil
            password = parts.user.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// `url` with the password masked, also in the `redis://secret@host` form.
    static func masked(_ url: String) -> String {
        SecretText.maskedURL(url)
    }
}
