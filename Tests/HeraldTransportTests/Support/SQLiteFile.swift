import Foundation
import HeraldCore

/// A new empty SQLite database file (an empty file is an empty database), removed by the caller.
func temporarySQLiteFile() throws -> String {
    let path = NSTemporaryDirectory() + "herald-sqlite-\(UUID().uuidString.prefix(8)).db"
    guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ScriptFailure("cannot create \(path)") }
    return path
}
