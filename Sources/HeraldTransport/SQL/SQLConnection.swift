import HeraldCore

/// A connection to an SQL database, PostgreSQL (libpq) or SQLite, by its URL. Safe to use from any task.
///
/// The C handle belongs to a thread of its own; queries from any task are queued to it, and each waits for its rows
/// with a deadline, after which the database is asked to stop the query. Parameters are always bound, never written
/// into the SQL text. Get one with ``connect(_:timeout:)`` and ``close()`` it, or use ``withSQLConnection(_:timeout:_:)``.
public final class SQLConnection: Sendable {
    /// The URL connected to, with its password masked.
    public let url: String
    /// The secrets the URL holds (its password), for callers that mask their own output.
    public let secrets: [String]
    private let worker: SQLWorker
    private let session: any SQLSession

    private init(url: String, secrets: [String], worker: SQLWorker, session: any SQLSession) {
        self.url = url
        self.secrets = secrets
        self.worker = worker
        self.session = session
    }

    /// Dropped without `close()`: the handle is freed on its thread, which then ends.
    deinit {
        let (session, worker) = (session, worker)
        worker.post { session.close() }
        worker.stop()
    }

    /// Connects to `url` (`postgres://…`, `postgresql://…`, `sqlite:///path`, `sqlite:path`) within `timeout`.
    ///
    /// - Throws: ``SQLError`` — `invalidURL`, `unreachable` (nothing listens, or the SQLite file is missing or not a
    ///   database), `credentials`, `noDatabase`, `timeout`; `CancellationError`. No message holds the password.
    public static func connect(_ url: String, timeout: Duration) async throws -> SQLConnection {
        guard let target = SQLURL(url) else {
            throw SQLError(.invalidURL, url: url, detail: "not a postgres:// or sqlite: URL")
        }
        guard let worker = SQLWorker() else { throw SQLError(.unreachable, url: url, detail: "cannot start a thread") }
        let secrets = target.secrets
        let shown = SQLURL.masked(url)
        let outcome = OneShot<Result<any SQLSession, any Error>>()
        worker.post {
            let opened: Result<any SQLSession, any Error>
            do {
                switch target {
                case .postgres(let u, _): opened = .success(try PostgresSession.open(url: u, secrets: secrets, timeout: timeout))
                case .sqlite(let path): opened = .success(try SQLiteSession.open(path: path, url: url))
                }
            } catch {
                opened = .failure(error)
            }
            // Nobody waits any more (the deadline passed, or the task was cancelled): the handle is not wanted.
            if !outcome.complete(opened), case .success(let session) = opened { session.close() }
        }
        // libpq bounds the connect itself (in whole seconds); the margin only guards against a stuck one.
        let opened = await outcome.wait(
            timeout: timeout + .seconds(1),
            timedOut: { .failure(SQLError(.timeout, url: shown, detail: "no connection within \(timeout.shortText)")) },
            cancelled: { .failure(CancellationError()) })
        switch opened {
        case .success(let session):
            return SQLConnection(url: shown, secrets: secrets, worker: worker, session: session)
        case .failure(let error):
            worker.stop()
            throw error
        }
    }

    /// Runs one statement with `parameters` bound to `$1`, `$2`, … (SQLite also takes `?`), and returns its rows,
    /// at most `timeout` after it was queued; past it the database is asked to stop the query.
    ///
    /// - Throws: ``SQLError`` — `query` when the database refused it (its message says why), `timeout`, `closed`;
    ///   `CancellationError`.
    public func query(_ sql: String, parameters: [SQLParameter] = [], timeout: Duration) async throws -> SQLResult {
        let outcome = OneShot<Result<SQLResult, any Error>>()
        let session = self.session
        let queued = worker.post {
            let rows: Result<SQLResult, any Error>
            do { rows = .success(try session.query(sql, parameters, timeout: timeout)) } catch { rows = .failure(error) }
            outcome.complete(rows)
        }
        guard queued else {
            throw SQLError(.closed, url: url, detail: "the connection is closed")
        }
        let url = self.url
        let result = await outcome.wait(
            timeout: timeout,
            timedOut: { .failure(SQLError(.timeout, url: url, detail: "the query did not finish within \(timeout.shortText)")) },
            cancelled: { .failure(CancellationError()) })
        if case .failure(let error) = result, error is CancellationError || (error as? SQLError)?.kind == .timeout {
            // PQcancel opens a connection of its own to the server: not on the pool's threads.
            _ = try? await offThePool { session.interrupt() }
        }
        return try result.get()
    }

    /// Closes the connection once the queries queued before have ended; the thread ends and the handle is freed.
    public func close() async {
        let done = OneShot<Void>()
        let session = self.session
        if worker.post({
            session.close()
            done.complete(())
        }) {
            worker.stop()
            // A query stuck past its deadline is asked to stop; the close does not wait for it longer than this.
            _ = await done.wait(timeout: .seconds(5), timedOut: {}, cancelled: {})
        }
    }
}

/// Runs `body` with a connection to `url`, then closes it, whether `body` returns or throws.
public func withSQLConnection<T>(
    _ url: String,
    timeout: Duration,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (SQLConnection) async throws -> T
) async throws -> T {
    try await withClosing(try await SQLConnection.connect(url, timeout: timeout), close: { await $0.close() }, body)
}
