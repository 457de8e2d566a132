import Foundation
import HeraldCore
import HeraldTransport
import Testing

/// The SQL transport against a real PostgreSQL (started per test, see ``withLocalPostgres(isolation:_:)``) and real
/// SQLite files.
@Suite("SQL transport against PostgreSQL and SQLite")
struct SQLTests {
    @Test("PostgreSQL: columns typed by their type, parameters bound, the server's message for a bad query")
    func postgresQueries() async throws {
        try await withLocalPostgres { pg in
            try await pg.execute("""
                CREATE TABLE orders (id int PRIMARY KEY, big bigint, amount numeric(10,2), ratio float8, paid bool,
                                     status text, note text, meta jsonb, created timestamp);
                INSERT INTO orders VALUES (1, 9007199254740991, 120.50, 0.25, true, 'pending', NULL, '{"a": [1, 2]}',
                                           '2024-01-02 03:04:05');
                """)
            try await withSQLConnection(pg.url(), timeout: .seconds(10)) { db in
                let r = try await db.query("SELECT * FROM orders WHERE id = $1 AND status = $2",
                                           parameters: [.integer(1), .text("pending")], timeout: .seconds(10))
                #expect(r.columns == ["id", "big", "amount", "ratio", "paid", "status", "note", "meta", "created"])
                #expect(r.rows == [[.number(1), .number(9007199254740991), .number(120.5), .number(0.25), .bool(true),
                                    .string("pending"), .null, .object(["a": .array([.number(1), .number(2)])]),
                                    .string("2024-01-02 03:04:05")]])
                #expect(r.json.plainText.contains("\"count\":1") || r.json == .object(["rows": .array([r.object(r.rows[0])]), "count": .number(1)]))

                // A value that looks like SQL is data: bound, never spliced into the text.
                let hostile = "x'; DROP TABLE orders; --"
                let none = try await db.query("SELECT id FROM orders WHERE status = $1", parameters: [.text(hostile)], timeout: .seconds(10))
                #expect(none.rows.isEmpty)
                let echoed = try await db.query("SELECT $1::text AS v, $2::int AS n, $3::bool AS b, $4::text AS z",
                                                parameters: [.text(hostile), .integer(7), .bool(false), .null], timeout: .seconds(10))
                #expect(echoed.rows == [[.string(hostile), .number(7), .bool(false), .null]])
                #expect(try await db.query("SELECT count(*) AS n FROM orders", timeout: .seconds(10)).rows == [[.number(1)]])

                let error = await #expect(throws: SQLError.self) {
                    _ = try await db.query("SELECT nope FROM orders", timeout: .seconds(10))
                }
                #expect(error?.kind == .query)
                #expect(error?.detail.contains("column \"nope\" does not exist") == true, "\(String(describing: error))")
                // The connection is still good after the refused query.
                #expect(try await db.query("SELECT 1 AS one", timeout: .seconds(10)).rows == [[.number(1)]])
            }
        }
    }

    @Test("PostgreSQL: a query past its deadline is cancelled on the server, and the connection goes on")
    func postgresTimeout() async throws {
        try await withLocalPostgres { pg in
            try await withSQLConnection(pg.url(), timeout: .seconds(10)) { db in
                let started = ContinuousClock.now
                let error = await #expect(throws: SQLError.self) {
                    _ = try await db.query("SELECT pg_sleep(30)", timeout: .milliseconds(300))
                }
                #expect(error?.kind == .timeout)
                #expect(ContinuousClock.now - started < .seconds(10))
                let after = try await db.query("SELECT 2 AS two", timeout: .seconds(10))
                #expect(after.rows == [[.number(2)]])
            }
        }
    }

    @Test("PostgreSQL: a wrong password, an unknown database and a closed port are infrastructure errors without the password")
    func postgresConnectFailures() async throws {
        try await withLocalPostgres { pg in
            let wrong = "not-the-Secret-42"
            let refused = await #expect(throws: SQLError.self) {
                _ = try await SQLConnection.connect(pg.url(password: wrong), timeout: .seconds(10))
            }
            #expect(refused?.kind == .credentials, "\(String(describing: refused))")
            #expect(refused?.hint?.contains("password") == true)
            let missing = await #expect(throws: SQLError.self) {
                _ = try await SQLConnection.connect(pg.url(database: "nosuchdb"), timeout: .seconds(10))
            }
            #expect(missing?.kind == .noDatabase, "\(String(describing: missing))")
            for e in [refused, missing].compactMap({ $0 }) {
                let text = "\(e) \(e.hint ?? "")"
                #expect(!text.contains(wrong) && !text.contains(pg.password), "\(text)")
                #expect(e.exitStatus == .infrastructure)
            }
        }
        let port = try LoopbackPort.refusing()
        let unreachable = await #expect(throws: SQLError.self) {
            _ = try await SQLConnection.connect("postgres://u:Secret-99@127.0.0.1:\(port)/db", timeout: .seconds(5))
        }
        #expect(unreachable?.kind == .unreachable, "\(String(describing: unreachable))")
        #expect(unreachable.map { !"\($0)".contains("Secret-99") && "\($0)".contains("127.0.0.1:\(port)") } == true)
    }

    @Test("SQLite: values typed by storage class, $N and ? parameters, errors, a missing file")
    func sqlite() async throws {
        let path = try temporarySQLiteFile()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await withSQLConnection("sqlite://\(path)", timeout: .seconds(5)) { db in
            _ = try await db.query("CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL, status TEXT, paid BOOLEAN, note TEXT)",
                                   timeout: .seconds(5))
            _ = try await db.query("INSERT INTO orders VALUES ($1, $2, $3, $4, $5)",
                                   parameters: [.integer(1), .real(120.5), .text("pending"), .bool(true), .null], timeout: .seconds(5))
            let r = try await db.query("SELECT * FROM orders WHERE id = $1", parameters: [.integer(1)], timeout: .seconds(5))
            #expect(r.columns == ["id", "amount", "status", "paid", "note"])
            #expect(r.rows == [[.number(1), .number(120.5), .string("pending"), .number(1), .null]])
            #expect(try await db.query("SELECT status FROM orders WHERE id = ? AND status = ?",
                                       parameters: [.integer(1), .text("pending")], timeout: .seconds(5)).rows.count == 1)
            let hostile = try await db.query("SELECT $1 AS v", parameters: [.text("'); DROP TABLE orders; --")], timeout: .seconds(5))
            #expect(hostile.rows == [[.string("'); DROP TABLE orders; --")]])

            let unknown = await #expect(throws: SQLError.self) { _ = try await db.query("SELECT nope FROM orders", timeout: .seconds(5)) }
            #expect(unknown?.kind == .query && unknown?.detail.contains("no such column: nope") == true, "\(String(describing: unknown))")
            let two = await #expect(throws: SQLError.self) { _ = try await db.query("SELECT 1; DROP TABLE orders", timeout: .seconds(5)) }
            #expect(two?.kind == .query)
            let count = await #expect(throws: SQLError.self) {
                _ = try await db.query("SELECT $1, $2", parameters: [.integer(1)], timeout: .seconds(5))
            }
            #expect(count?.kind == .query)
            #expect(try await db.query("SELECT count(*) AS n FROM orders", timeout: .seconds(5)).rows == [[.number(1)]])
        }
        let missing = await #expect(throws: SQLError.self) {
            _ = try await SQLConnection.connect("sqlite:///nonexistent/herald/none.db", timeout: .seconds(5))
        }
        #expect(missing?.kind == .unreachable && missing?.hint?.contains("path") == true, "\(String(describing: missing))")
        let notADatabase = NSTemporaryDirectory() + "herald-not-a-db-\(UUID().uuidString.prefix(6))"
        try String(repeating: "this is not a database file\n", count: 100).write(toFile: notADatabase, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: notADatabase) }
        let garbage = await #expect(throws: SQLError.self) { _ = try await SQLConnection.connect("sqlite:\(notADatabase)", timeout: .seconds(5)) }
        #expect(garbage?.kind == .unreachable, "\(String(describing: garbage))")
    }

    @Test("service URLs: postgres, postgresql and sqlite forms, and the password as a secret")
    func urls() {
        #expect(SQLURL("postgres://u:p%40ss@h:5432/db") == .postgres(url: "postgres://u:p%40ss@h:5432/db", password: "p%40ss"))
        #expect(Set(SQLURL("postgres://u:p%40ss@h:5432/db")!.secrets) == ["p%40ss", "p@ss"])
        #expect(SQLURL("postgresql://h/db") == .postgres(url: "postgresql://h/db", password: nil))
        #expect(SQLURL("sqlite:///tmp/a.db") == .sqlite(path: "/tmp/a.db"))
        #expect(SQLURL("sqlite:data/a.db") == .sqlite(path: "data/a.db"))
        #expect(SQLURL("sqlite://host/a.db") == nil)
        #expect(SQLURL("mysql://h/db") == nil)
        #expect(SQLURL.masked("postgres://u:secret@h/db") == "postgres://u:•••@h/db")
    }
}
