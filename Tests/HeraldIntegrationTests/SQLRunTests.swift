import Foundation
import HeraldCore
import Testing

/// `herald run` with `sql:` steps against a real PostgreSQL the tests start (initdb into a temporary folder, pg_ctl
/// on a free loopback port, stopped after each test, see ``LocalPostgres``) and a real SQLite file.
@Suite("sql checks end to end")
struct SQLRunTests {
    static let orders = """
        CREATE TABLE orders (id text PRIMARY KEY, status text NOT NULL, amount int NOT NULL, paid bool NOT NULL DEFAULT false);
        INSERT INTO orders VALUES ('o-1', 'pending', 120, false);
        CREATE TABLE jobs (id int PRIMARY KEY, status text NOT NULL);
        """

    /// A contract on the `db` service (`${env.DB_URL}`) with `steps`.
    static func contract(_ name: String, _ steps: String) -> String {
        """
        contract: \(name)
        services:
          db: "${env.DB_URL}"
        vars: { orderId: o-1 }
        steps:
        \(steps)

        """
    }

    static let green = contract("the order row is there", #"""
          - sql: db
            query: "SELECT status, amount, paid FROM orders WHERE id = $1"
            params: ["${orderId}"]
            expect: { rows: [{status: pending, amount: 120, paid: false}], count: 1 }
            capture: { amount: "$.rows[0].amount" }
          - sql: db
            query: "SELECT count(*) AS n FROM orders WHERE amount = $1 AND status = $2"
            params: ["${amount}", pending]
            expect: { rows: [{n: 1}] }
        """#)

    static func red(_ name: String, params: String, expect: String) -> String {
        contract(name, """
              - sql: db
                query: "SELECT status, amount FROM orders WHERE id = $1"
                params: \(params)
                expect: \(expect)
            """)
    }

    static func write(_ files: [String: String], in dir: URL) throws {
        for (name, text) in files { try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
    }

    @Test("PostgreSQL: matching rows pass; a wrong value, a missing row, a wrong count and a refused query fail with the rows seen; no password in any output")
    func postgres() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write([
            "green.yaml": Self.green,
            "value.yaml": Self.red("a wrong value", params: "[\"${orderId}\"]", expect: "{ rows: [{status: paid}] }"),
            "missing.yaml": Self.red("a missing row", params: "[o-404]", expect: "{ rows: [{status: pending}], count: 1 }"),
            "count.yaml": Self.red("a wrong count", params: "[\"${orderId}\"]", expect: "{ count: 2 }"),
            "refused.yaml": Self.contract("a refused query", """
                  - sql: db
                    query: "SELECT nope FROM orders WHERE id = $1"
                    params: ["${orderId}"]
                """),
        ], in: dir)
        try await withLocalPostgres { pg in
            try await pg.execute(Self.orders)
            let env = ["DB_URL": pg.url()]
            let green = try await herald(["run", "green.yaml"], in: dir, environment: env, limit: .seconds(60))
            #expect(green.status == 0, "\(green)")
            #expect(green.stdout.contains("2 passed, 0 failed"), "\(green)")

            let out = dir.appendingPathComponent("out")
            let red = try await herald(["run", "value.yaml", "missing.yaml", "count.yaml", "refused.yaml", "--report", out.path],
                                       in: dir, environment: env, limit: .seconds(60))
            #expect(red.status == 1, "\(red)")
            let report = try Report.load(out)
            func failed(_ contract: String) -> Report.Verdict? {
                report.contracts.first { $0.name == contract }?.verdicts.first { $0.outcome == "failed" }
            }
            let value = try #require(failed("a wrong value"))
            #expect(value.kind == "query" && value.reason == "mismatch" && value.message.contains("paid"), "\(value)")
            #expect(value.evidence.contains { $0.text?.contains("\"status\":\"pending\"") == true }, "the row seen: \(value.evidence)")
            let missing = try #require(failed("a missing row"))
            #expect(missing.kind == "query" && missing.evidence.contains { $0.text == "0 rows" }, "\(missing)")
            let count = try #require(failed("a wrong count"))
            #expect(count.kind == "query" && count.message.contains("count"), "\(count)")
            #expect(count.evidence.contains { $0.text?.contains("1 row:") == true }, "\(count)")
            let refused = try #require(failed("a refused query"))
            #expect(refused.reason == "query-failed" && refused.message.contains("column \"nope\" does not exist"), "\(refused)")
            #expect(red.stdout.contains("column \"nope\" does not exist"), "\(red)")

            // The password is in DB_URL only: not on the console, nor in any report file.
            var outputs = [green.stdout, green.stderr, red.stdout, red.stderr]
            for file in try FileManager.default.subpathsOfDirectory(atPath: out.path) {
                if let text = try? String(contentsOf: out.appendingPathComponent(file), encoding: .utf8) { outputs.append(text) }
            }
            #expect(outputs.count > 4, "the reports were written")
            for text in outputs { #expect(!text.contains(pg.password), "the password leaked: \(text.prefix(2000))") }
        }
    }

    @Test("PostgreSQL: a wrong password and a closed port are infrastructure errors (exit 3) with a hint, without the password")
    func postgresInfrastructure() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try Self.write(["green.yaml": Self.green], in: dir)
        try await withLocalPostgres { pg in
            let wrong = "Wrong-Pass-4711"
            let run = try await herald(["run", "green.yaml", "--report", dir.appendingPathComponent("out").path], in: dir,
                                       environment: ["DB_URL": pg.url(password: wrong)], limit: .seconds(60))
            #expect(run.status == 3, "\(run)")
            #expect((run.stdout + run.stderr).contains("password authentication failed"), "\(run)")
            #expect((run.stdout + run.stderr).contains("check the user and password in the service URL"), "\(run)")
            let report = try String(contentsOf: dir.appendingPathComponent("out/report.json"), encoding: .utf8)
            for text in [run.stdout, run.stderr, report] { #expect(!text.contains(wrong) && !text.contains(pg.password), "\(text)") }
        }
        let port = try closedPort()
        let closed = try await herald(["run", "green.yaml"], in: dir,
                                      environment: ["DB_URL": "postgres://app:Closed-Secret-1@127.0.0.1:\(port)/app"], limit: .seconds(60))
        #expect(closed.status == 3, "\(closed)")
        #expect((closed.stdout + closed.stderr).contains("127.0.0.1:\(port)"), "\(closed)")
        #expect(!(closed.stdout + closed.stderr).contains("Closed-Secret-1"), "\(closed)")
    }

    @Test("PostgreSQL poll: passes when the row appears after the step started, fails when it never does")
    func postgresPoll() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        func poll(_ name: String, within: String) -> String {
            Self.contract(name, #"""
                  - sql: db
                    query: "SELECT status FROM jobs WHERE id = $1"
                    params: [7]
                    until: { "$.rows[0].status": done }
                    every: 50ms
                    within: \#(within)
                    expect: { rows: [{status: done}], count: 1 }
                """#)
        }
        try Self.write(["appears.yaml": poll("the job row appears", within: "30s"), "never.yaml": poll("the job row never appears", within: "1s")],
                       in: dir)
        try await withLocalPostgres { pg in
            try await pg.execute(Self.orders)
            let env = ["DB_URL": pg.url()]
            let never = try await herald(["run", "never.yaml"], in: dir, environment: env, limit: .seconds(60))
            #expect(never.status == 1, "\(never)")
            #expect(never.stdout.contains("did not hold within 1s"), "\(never)")

            let out = dir.appendingPathComponent("out")
            let running = try RunningHerald(["run", "appears.yaml", "--report", out.path], in: dir, environment: env)
            // The row is written from another connection once Herald has queried at least once and found nothing:
            // PostgreSQL keeps each connection's last query in pg_stat_activity.
            let asked = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'herald' AND query LIKE '%FROM jobs%'"
            try await waitUntil("herald polls the jobs table", within: .seconds(30)) {
                (try? pg.psql(asked).trimmingCharacters(in: .whitespacesAndNewlines)).flatMap(Int.init).map { $0 > 0 } ?? false
            }
            try await pg.execute("INSERT INTO jobs VALUES (7, 'done')")
            let run = await running.finish(limit: .seconds(60))
            #expect(run.status == 0, "\(run)")
            let verdicts = try Report.load(out).contracts.flatMap(\.verdicts)
            let poll = try #require(verdicts.first { $0.kind == "poll" })
            let attempts = poll.message.firstMatch(of: /after (\d+) attempts/).flatMap { Int($0.1) }
            #expect((attempts ?? 0) >= 2, "it waited for the row: \(poll.message)")
            #expect(verdicts.contains { $0.kind == "query" && $0.outcome == "passed" }, "\(verdicts)")
        }
    }

    @Test("SQLite: a file's rows written by steps pass, a wrong value fails with the rows seen, a missing file is exit 3")
    func sqlite() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("app.db").path
        _ = FileManager.default.createFile(atPath: file, contents: nil)
        let steps = #"""
              - sql: db
                query: "CREATE TABLE orders (id TEXT PRIMARY KEY, status TEXT, amount INTEGER, ratio REAL, note TEXT)"
              - sql: db
                query: "INSERT INTO orders VALUES ($1, $2, $3, $4, $5)"
                params: ["${orderId}", pending, 120, 0.5, null]
              - sql: db
                query: "SELECT * FROM orders WHERE id = ?"
                params: ["${orderId}"]
                until: { count: 1 }
                within: 2s
                expect: { rows: [{id: o-1, status: pending, amount: 120, ratio: 0.5, note: null}], count: 1 }
            """#
        try Self.write([
            "green.yaml": Self.contract("sqlite rows", steps),
            "red.yaml": Self.red("sqlite wrong value", params: "[\"${orderId}\"]", expect: "{ rows: [{amount: 121}] }"),
        ], in: dir)
        let green = try await herald(["run", "green.yaml"], in: dir, environment: ["DB_URL": "sqlite://\(file)"], limit: .seconds(60))
        #expect(green.status == 0, "\(green)")
        #expect(green.stdout.contains("4 passed, 0 failed"), "\(green)")
        let red = try await herald(["run", "red.yaml"], in: dir, environment: ["DB_URL": "sqlite:app.db"], limit: .seconds(60))
        #expect(red.status == 1, "\(red)")
        #expect(red.stdout.contains("121") && red.stdout.contains("120"), "expected and seen: \(red)")
        let missing = try await herald(["run", "red.yaml"], in: dir, environment: ["DB_URL": "sqlite:///nonexistent/app.db"],
                                       limit: .seconds(60))
        #expect(missing.status == 3, "\(missing)")
        #expect((missing.stdout + missing.stderr).contains("check the path"), "\(missing)")
    }
}
