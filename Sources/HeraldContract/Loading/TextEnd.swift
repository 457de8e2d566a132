import HeraldCore

/// Where a text ends, in libyaml's lines and columns: a line ends with CR LF, LF, CR, NEL, LS or PS, and a column
/// counts Unicode scalars, both from 1.
///
/// libyaml puts the end of a text whose last line has no line break on the line after it, a line the file does not
/// have: a parse error found there, or an empty value that ends the text, would point past the end. ``location(file:line:column:)``
/// moves such a place to the end of the last line.
struct TextEnd: Sendable {
    /// The last line.
    let line: Int
    /// The column after the last line's last character.
    let column: Int

    init(_ text: String) {
        var line = 1, length = 0, afterCR = false
        for scalar in text.unicodeScalars {
            defer { afterCR = scalar == "\r" }
            switch scalar {
            case "\n" where afterCR: continue
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}": line += 1; length = 0
            default: length += 1
            }
        }
        self.line = line
        column = length + 1
    }

    /// The location of `line:column` as libyaml reports it, kept within the text.
    func location(file: String, line: Int, column: Int) -> SourceLocation {
        if line > self.line { return SourceLocation(file: file, line: self.line, column: self.column) }
        return SourceLocation(file: file, line: line, column: column)
    }
}
