import Foundation
import HeraldCore

/// Runs `body` with a fresh PostgreSQL server (``LocalPostgres``: initdb into a temporary folder, pg_ctl on a free
/// loopback port), and always stops it afterwards, also when `body` throws. A missing PostgreSQL fails the test
/// with the package to install; tests never skip for it.
func withPostgres<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: (LocalPostgres) async throws -> T
) async throws -> T {
    do {
        return try await withLocalPostgres(body)
    } catch let error as LocalBrokerError where error.missingPackage != nil {
        throw ScriptFailure("these tests need a real PostgreSQL: \(error)")
    }
}

/// A new empty SQLite database file (an empty file is an empty database), removed by the caller.
func temporarySQLiteFile() throws -> String {
    let path = NSTemporaryDirectory() + "herald-sqlite-\(UUID().uuidString.prefix(8)).db"
    guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ScriptFailure("cannot create \(path)") }
    return path
}
