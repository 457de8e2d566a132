import HeraldCore

/// Where an SQL service's database is, from its URL: a PostgreSQL server (`postgres://user:password@host:port/db`,
/// also `postgresql://`, with libpq's query parameters such as `?sslmode=disable`) or an SQLite file
/// (`sqlite:///absolute/path.db`, or `sqlite:relative/path.db` from the working folder).
public enum SQLURL: Sendable, Equatable {
    /// A PostgreSQL server; the URL as libpq reads it, and the password in it, if any.
    case postgres(url: String, password: String?)
    /// An SQLite database file.
    case sqlite(path: String)

    /// Reads `text`, or returns nil when it is neither a PostgreSQL nor an SQLite URL.
    public init?(_ text: String) {
        let lower = text.lowercased()
        if lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://") {
            let parts = URLParts(text)
            self = .postgres(url: text, password: parts?.password.flatMap { $0.isEmpty ? nil : $0 })
            return
        }
        guard lower.hasPrefix("sqlite:") else { return nil }
        var rest = text.dropFirst("sqlite:".count)
        if rest.hasPrefix("//") {
            // `sqlite:///path`: an empty authority, then the absolute path.
            rest = rest.dropFirst(2)
            guard rest.hasPrefix("/") else { return nil }
        }
        guard !rest.isEmpty else { return nil }
        self = .sqlite(path: String(rest))
    }

    /// Whether `text` starts with a scheme an SQL service has.
    public static func isSQL(_ text: String) -> Bool {
        let lower = text.lowercased()
        return ["postgres://", "postgresql://", "sqlite:"].contains { lower.hasPrefix($0) }
    }

    /// The secrets the URL holds: the password as written and as libpq decodes it (`%40` is `@`).
    public var secrets: [String] {
        guard case .postgres(_, let password?) = self else { return [] }
        return Array(Set([password, password.removingPercentEncoding ?? password]))
    }

    /// `text` with the password of its userinfo masked, as every message shows it.
    public static func masked(_ text: String) -> String { URLCredentials.masked(text) }
}

extension String {
    /// The text with `%XX` sequences decoded as UTF-8, or nil when one is malformed.
    var removingPercentEncoding: String? {
        var bytes: [UInt8] = []
        var it = Array(utf8)[...]
        while let b = it.popFirst() {
            guard b == UInt8(ascii: "%") else { bytes.append(b); continue }
            guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
            bytes.append(v)
            it = it.dropFirst(2)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
