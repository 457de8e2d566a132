import HeraldCore

/// The rows a query returned, each column typed: integers and floats as numbers, booleans, NULL as null, the rest
/// as text (PostgreSQL by the column's type, SQLite by each value's storage class).
public struct SQLResult: Sendable, Equatable {
    /// The column names, in the query's order.
    public var columns: [String]
    /// The rows, each a value per column in the same order.
    public var rows: [[JSONValue]]

    /// Creates a result.
    public init(columns: [String], rows: [[JSONValue]]) {
        self.columns = columns
        self.rows = rows
    }

    /// The result as contracts judge it: `{rows: [{column: value, …}, …], count: N}`.
    public var json: JSONValue {
        .object(["rows": .array(rows.map(object)), "count": .number(Double(rows.count))])
    }

    /// One row as an object of its columns (a repeated column name keeps its last value).
    public func object(_ row: [JSONValue]) -> JSONValue {
        var o: [String: JSONValue] = [:]
        for (name, value) in zip(columns, row) { o[name] = value }
        return .object(o)
    }
}

/// A value bound to a query parameter (`$1`, `$2`, … in order), never written into the SQL text.
public enum SQLParameter: Sendable, Equatable {
    /// NULL.
    case null
    /// Text.
    case text(String)
    /// A whole number.
    case integer(Int64)
    /// A floating-point number.
    case real(Double)
    /// A boolean (PostgreSQL `true`/`false`, SQLite 1/0).
    case bool(Bool)

    /// The parameter for a contract's value: strings as text, whole numbers as integers, other numbers as reals,
    /// booleans, null, and arrays or objects as their JSON text.
    public init(_ value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .string(let s): self = .text(s)
        case .number(let n):
            if n.rounded() == n, abs(n) < 9.0e15 { self = .integer(Int64(n)) } else { self = .real(n) }
        default: self = .text(value.encoded())
        }
    }

    /// The text PostgreSQL receives (its type is inferred from where the parameter stands), or nil for NULL.
    var postgresText: String? {
        switch self {
        case .null: nil
        case .text(let s): s
        case .integer(let n): String(n)
        case .real(let d): String(d)
        case .bool(let b): b ? "true" : "false"
        }
    }
}

extension Duration {
    /// `500ms`, `2s`, `1.5s`, as messages show a deadline.
    var shortText: String {
        let ms = Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15
        if ms < 1000 { return "\(Int(ms.rounded()))ms" }
        let s = ms / 1000
        return s.rounded() == s ? "\(Int(s))s" : "\((s * 10).rounded() / 10)s"
    }
}
