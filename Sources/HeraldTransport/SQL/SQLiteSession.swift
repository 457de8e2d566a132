import CSQLite
import HeraldCore
import Synchronization

/// One SQLite database handle (`sqlite3`).
///
/// `@unchecked Sendable` is sound: `database` is used only on the worker's thread (opening, queries, closing); other
/// threads only call `sqlite3_interrupt`, which SQLite makes safe from any thread, under `open`'s lock, which
/// `close()` takes before closing the handle.
final class SQLiteSession: SQLSession, @unchecked Sendable {
    private let database: OpaquePointer
    private let open: Mutex<Bool> = Mutex(true)
    private let url: String

    private init(database: OpaquePointer, url: String) {
        self.database = database
        self.url = url
    }

    /// Opens the existing file at `path` for reading and writing (a missing file is an error, not a new database),
    /// and reads its schema, so that a file that is not a database fails here.
    static func open(path: String, url: String) throws(SQLError) -> SQLiteSession {
        var handle: OpaquePointer?
        let rc = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let database = handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw SQLError(.unreachable, url: url, detail: "cannot open \(path): \(message)")
        }
        let session = SQLiteSession(database: database, url: url)
        do {
            _ = try session.query("SELECT count(*) FROM sqlite_master", [], timeout: .seconds(5))
        } catch {
            session.close()
            throw SQLError(.unreachable, url: url, detail: "cannot read \(path): \(error.detail)")
        }
        return session
    }

    func query(_ sql: String, _ parameters: [SQLParameter], timeout: Duration) throws(SQLError) -> SQLResult {
        // A table another connection is writing is waited for, within the step's timeout.
        sqlite3_busy_timeout(database, Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        // The rest of the text after the first statement (`tail` points into the C copy, read while it lives).
        let (rc, prepared, rest): (Int32, OpaquePointer?, String) = sql.withCString { text in
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let rc = sqlite3_prepare_v2(database, text, -1, &statement, &tail)
            return (rc, statement, tail.map { String(cString: $0) } ?? "")
        }
        guard rc == SQLITE_OK, let statement = prepared else {
            sqlite3_finalize(prepared)
            throw failure()
        }
        defer { sqlite3_finalize(statement) }
        if !rest.allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            throw SQLError(.query, url: url, detail: "a query is one statement; split the rest into another step")
        }
        try bind(parameters, to: statement)
        let count = sqlite3_column_count(statement)
        let columns = (0..<count).map { String(cString: sqlite3_column_name(statement, $0)) }
        var rows: [[JSONValue]] = []
        while true {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: rows.append((0..<count).map { Self.value(statement, $0) })
            case SQLITE_DONE: return SQLResult(columns: columns, rows: rows)
            case SQLITE_INTERRUPT:
                throw SQLError(.timeout, url: url, detail: "the query did not finish within \(timeout.shortText)")
            case SQLITE_BUSY:
                throw SQLError(.timeout, url: url, detail: "the database stayed locked for \(timeout.shortText)")
            default: throw failure()
            }
        }
    }

    /// Binds `$1`, `$2`, … (or `?`, `?1`, … in order) to the parameters.
    private func bind(_ parameters: [SQLParameter], to statement: OpaquePointer) throws(SQLError) {
        let slots = Int(sqlite3_bind_parameter_count(statement))
        guard slots == parameters.count else {
            throw SQLError(.query, url: url, detail: "the query has \(slots) parameter\(slots == 1 ? "" : "s"), params: gives \(parameters.count)")
        }
        for (i, p) in parameters.enumerated() {
            let named = sqlite3_bind_parameter_index(statement, "$\(i + 1)")
            let index = named > 0 ? named : Int32(i + 1)
            let rc: Int32 = switch p {
            case .null: sqlite3_bind_null(statement, index)
            case .text(let s): herald_sqlite3_bind_text_copy(statement, index, s, Int32(s.utf8.count))
            case .integer(let n): sqlite3_bind_int64(statement, index, n)
            case .real(let d): sqlite3_bind_double(statement, index, d)
            case .bool(let b): sqlite3_bind_int64(statement, index, b ? 1 : 0)
            }
            guard rc == SQLITE_OK else { throw failure() }
        }
    }

    /// A column's value by its storage class: integers and reals as numbers, NULL as null, text and blobs as text.
    private static func value(_ statement: OpaquePointer, _ column: Int32) -> JSONValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .number(Double(sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .number(sqlite3_column_double(statement, column))
        case SQLITE_NULL: return .null
        default:
            let bytes = Int(sqlite3_column_bytes(statement, column))
            guard let start = sqlite3_column_blob(statement, column), bytes > 0 else { return .string("") }
            return .string(String(decoding: UnsafeRawBufferPointer(start: start, count: bytes), as: UTF8.self))
        }
    }

    private func failure() -> SQLError {
        SQLError(.query, url: url, detail: String(cString: sqlite3_errmsg(database)))
    }

    func interrupt() {
        open.withLock { isOpen in if isOpen { sqlite3_interrupt(database) } }
    }

    func close() {
        open.withLock { isOpen in
            if isOpen { sqlite3_close_v2(database) }
            isOpen = false
        }
    }
}
