import Foundation
import HeraldCore

/// Reads `--env-file` files: `KEY=VALUE` lines, `#` comments, optional `export ` and quotes.
public enum EnvFile {
    /// The `KEY=VALUE` pairs of the file at `path`.
    ///
    /// - Throws: `ContractErrors` when the file cannot be read or a line is not `KEY=VALUE`.
    public static func load(_ path: String) throws -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ContractErrors([Diagnostic("cannot read env file", at: SourceLocation(file: path, line: 1, column: 1))])
        }
        return try parse(text, file: path)
    }

    /// The `KEY=VALUE` pairs of `text`, read from `file` (for positions in errors).
    public static func parse(_ text: String, file: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let eq = line.firstIndex(of: "="), eq != line.startIndex else {
                throw ContractErrors([Diagnostic("expected KEY=VALUE", at: SourceLocation(file: file, line: n + 1, column: 1),
                                                 hint: "lines look like API_TOKEN=abc123; comments start with #")])
            }
            let key = String(line[..<eq]).trimmingCharacters(in: .whitespaces)
            var value = String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let q = value.first, q == "\"" || q == "'", value.last == q {
                value = String(value.dropFirst().dropLast())
            }
            out[key] = value
        }
        return out
    }
}
