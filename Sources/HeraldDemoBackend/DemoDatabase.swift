import Foundation
import HeraldCore
import HeraldTransport

/// The demo's database (`--database sqlite:///path` or `postgres://…`): rows the backend writes just after it answers,
/// as many real backends do, for contracts to check with `sql:` steps. Writes go out one at a time, in order, from a
/// task of its own; a failed write is logged and dropped.
final class DemoDatabase: Sendable {
    private let connection: SQLConnection
    private let writes: AsyncStream<(String, [JSONValue])>.Continuation
    private let writer: Task<Void, Never>

    /// The tables, created when missing.
    static let schema = [
        "CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, role TEXT NOT NULL, name TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS orders (id TEXT PRIMARY KEY, buyer_id TEXT NOT NULL, seller_id TEXT NOT NULL, amount REAL NOT NULL, status TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS recharges (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, amount REAL NOT NULL, status TEXT NOT NULL)",
    ]

    /// Connects to `url` and creates the tables.
    ///
    /// - Throws: `SQLError` when the database cannot be reached or the tables cannot be made.
    static func open(_ url: String, log: @escaping @Sendable (String) -> Void) async throws -> DemoDatabase {
        // Herald opens an SQLite file it checks without creating it; the backend's own database starts empty.
        if case .sqlite(let path)? = SQLURL(url), !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let connection = try await SQLConnection.connect(url, timeout: .seconds(5))
        for statement in schema { _ = try await connection.query(statement, timeout: .seconds(5)) }
        return DemoDatabase(connection, log: log)
    }

    private init(_ connection: SQLConnection, log: @escaping @Sendable (String) -> Void) {
        self.connection = connection
        let (stream, writes) = AsyncStream.makeStream(of: (String, [JSONValue]).self)
        self.writes = writes
        writer = Task {
            for await (sql, values) in stream {
                do {
                    _ = try await connection.query(sql, parameters: values.map(SQLParameter.init), timeout: .seconds(5))
                } catch {
                    log("database write failed: \(error)")
                }
            }
        }
    }

    /// Queues a write (`$1`, `$2`… for `values`, bound, never spliced into the text).
    func write(_ sql: String, _ values: JSONValue...) {
        writes.yield((sql, values))
    }

    /// Writes what is queued, then closes the connection.
    func finish() async {
        writes.finish()
        await writer.value
        await connection.close()
    }
}
