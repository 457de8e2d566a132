import HeraldCore

/// The evidence of a verdict as plain lines, the way every text report shows it:
/// `role · actor · channel · +ms: frame`, then the field differences of that piece, indented by two spaces.
enum EvidenceText {
    /// How many pieces of evidence a report shows per verdict.
    static let pieceLimit = 6
    /// How many field differences it shows per piece.
    static let differenceLimit = 5

    /// `unexpected · seller[0] · inbox · +5.7 ms: {"id":"n-5",…}`, with the text on one line, clipped to `clip` characters.
    static func head(_ e: Evidence, clip: Int = 200) -> String {
        var head = e.role.rawValue
        if let a = e.actor { head += " · \(a)" }
        if let ch = e.channel { head += " · \(ch)" }
        if let t = e.sinceTriggerMs { head += " · +\(DurationFormat.ms(t))" }
        if let text = e.text { head += ": " + ConsoleReport.clip(text, clip) }
        return head
    }

    /// The lines for the first ``pieceLimit`` pieces of `evidence`: each piece's head, then its differences
    /// (`$.type: expected …, got …`) indented by two spaces.
    static func lines(_ evidence: [Evidence], clip: Int = 200) -> [String] {
        var lines: [String] = []
        for e in evidence.prefix(pieceLimit) {
            lines.append(head(e, clip: clip))
            for d in e.differences.prefix(differenceLimit) { lines.append("  \(d)") }
        }
        return lines
    }

    /// A character a report cannot show as it is (a control character, say), written visibly as `\u001B`.
    static func escaped(_ u: Unicode.Scalar) -> String {
        let hex = String(u.value, radix: 16, uppercase: true)
        return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
