import HeraldContract
import HeraldCore

/// The load section of `report.md`: a row per level, the broken thresholds and the saturation point.
enum LoadMarkdown {
    static func section(_ load: ReportContext.LoadRun) -> [String] {
        let summaries = load.summaries
        var out = ["### Load", ""]
        let rows = LoadConsoleReport.rows(summaries)
        out.append("| " + rows[0].joined(separator: " | ") + " |")
        out.append("|" + rows[0].indices.map { $0 < rows[0].count - 1 && !rows[0][$0].contains("ms") ? "---:|" : "---|" }.joined())
        for row in rows.dropFirst() { out.append("| " + row.joined(separator: " | ") + " |") }
        let breaches = load.breaches
        if !load.thresholds.isEmpty || !breaches.isEmpty {
            out.append("")
            if breaches.isEmpty {
                out.append("Thresholds held at every level: " + load.thresholds.map { "`\(MarkdownReport.inline($0.description))`" }.joined(separator: ", "))
            } else {
                for b in breaches { out.append("- ❌ threshold \(MarkdownReport.inline(b.description))") }
                out.append("")
                let first = breaches[0]
                out.append("**Saturation point: level \(first.level) (\(first.levelLabel)).**")
            }
        }
        return out
    }
}
