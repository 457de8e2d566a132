/// A position in a contract file, 1-based, as editors show it.
public struct SourceLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The file path as it was given.
    public var file: String
    /// The line, from 1.
    public var line: Int
    /// The column, from 1.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`
    public var description: String { "\(file):\(line):\(column)" }
}
