import CPostgres
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection (`PGconn`).
///
/// `@unchecked Sendable` is sound: `connection` is used only on the worker's thread (opening, queries, closing);
/// other threads reach only the cancel handle, through `canceller`'s lock, which `close()` empties before freeing it
/// (libpq's `PQcancel` is made to be called from another thread).
final class PostgresSession: SQLSession, @unchecked Sendable {
    private let connection: OpaquePointer
    private let canceller: Mutex<CancelHandle?>
    private let url: String
    private let secrets: [String]

    /// A `PGcancel`, which libpq lets any thread use.
    private struct CancelHandle: @unchecked Sendable { let raw: OpaquePointer }

    private init(connection: OpaquePointer, url: String, secrets: [String]) {
        self.connection = connection
        self.canceller = Mutex(PQgetCancel(connection).map(CancelHandle.init))
        self.url = url
        self.secrets = secrets
    }

    /// Connects (blocking) to `url`, within `timeout` (libpq counts whole seconds, at least 2).
    static func open(url: String, secrets: [String], timeout: Duration) throws(SQLError) -> PostgresSession {
        let seconds = max(2, Int(timeout.components.seconds) + (timeout.components.attoseconds > 0 ? 1 : 0))
        // The URL is expanded as libpq's dbname; the settings after it win over the URL's own.
        let settings = [("dbname", url), ("connect_timeout", String(seconds)), ("application_name", "herald"),
                        ("client_encoding", "UTF8")]
        let connection = CStrings.with(settings.map(\.0) + [nil]) { keywords in
            CStrings.with(settings.map(\.1) + [nil]) { values in PQconnectdbParams(keywords, values, 1) }
        }
        guard let connection else { throw SQLError(.unreachable, url: url, detail: "libpq could not allocate a connection") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            PQfinish(connection)
            throw SQLError(classify(message), url: url, detail: message, secrets: secrets)
        }
        return PostgresSession(connection: connection, url: url, secrets: secrets)
    }

    /// What a failed connection's message says went wrong.
    static func classify(_ message: String) -> SQLError.Kind {
        let m = message.lowercased()
        if m.contains("password authentication failed") || m.contains("no password supplied") || m.contains("role \"")
            || m.contains("authentication failed") || m.contains("pg_hba.conf") {
            return .credentials
        }
        if m.contains("database \"") && m.contains("does not exist") { return .noDatabase }
        if m.contains("timeout expired") { return .timeout }
        if m.contains("invalid") && (m.contains("uri") || m.contains("connection option") || m.contains("port")) { return .invalidURL }
        return .unreachable
    }

    func query(_ sql: String, _ parameters: [SQLParameter], timeout: Duration) throws(SQLError) -> SQLResult {
        let result = CStrings.with(parameters.map(\.postgresText)) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else {
            throw SQLError(.closed, url: url, detail: String(cString: PQerrorMessage(connection)), secrets: secrets)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return Self.rows(of: result)
        default:
            let message = String(cString: PQresultErrorMessage(result))
            if PQstatus(connection) != CONNECTION_OK { throw SQLError(.closed, url: url, detail: message, secrets: secrets) }
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            // 57014 query_canceled: the deadline's PQcancel.
            if state == "57014" {
                throw SQLError(.timeout, url: url, detail: "the query did not finish within \(timeout.shortText)")
            }
            throw SQLError(.query, url: url, detail: message, secrets: secrets)
        }
    }

    /// The rows of a result, typed by each column's type.
    private static func rows(of result: OpaquePointer) -> SQLResult {
        let columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
        let types = (0..<PQnfields(result)).map { PQftype(result, $0) }
        var rows: [[JSONValue]] = []
        for r in 0..<PQntuples(result) {
            rows.append((0..<Int32(columns.count)).map { c in
                if PQgetisnull(result, r, c) != 0 { return .null }
                let text = String(cString: PQgetvalue(result, r, c))
                return PostgresTypes.value(text, type: types[Int(c)])
            })
        }
        return SQLResult(columns: columns, rows: rows)
    }

    func interrupt() {
        canceller.withLock { handle in
            guard let handle else { return }
            var buffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(handle.raw, &buffer, Int32(buffer.count))
        }
    }

    func close() {
        canceller.withLock { handle in
            if let h = handle { PQfreeCancel(h.raw) }
            handle = nil
        }
        PQfinish(connection)
    }
}

/// PostgreSQL's column types, by OID, as JSON.
enum PostgresTypes {
    static let bool: UInt32 = 16, int8: UInt32 = 20, int2: UInt32 = 21, int4: UInt32 = 23, oid: UInt32 = 26
    static let json: UInt32 = 114, float4: UInt32 = 700, float8: UInt32 = 701, numeric: UInt32 = 1700, jsonb: UInt32 = 3802

    /// A value in PostgreSQL's text format, typed by its column's OID: integers, floats and numerics as numbers,
    /// booleans, JSON as its value; everything else (text, dates, UUIDs, …) as the text.
    static func value(_ text: String, type: UInt32) -> JSONValue {
        switch type {
        case bool: return .bool(text == "t")
        case int2, int4, int8, oid, float4, float8, numeric:
            if let n = Double(text), n.isFinite { return .number(n) }
            return .string(text)
        case json, jsonb: return JSONParser.parseIfJSON(text.utf8) ?? .string(text)
        default: return .string(text)
        }
    }
}

/// NUL-terminated copies of strings for the length of a C call.
enum CStrings {
    /// Calls `body` with a C array of `strings` (nil stays a null pointer), freed afterwards.
    static func with<R>(_ strings: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
        let copies: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0)! } }
        defer { for p in copies { free(p) } }
        let pointers = copies.map { $0.map { UnsafePointer($0) } }
        return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
