import HeraldContract
import HeraldCore

/// The load section of `report.md`: a row per level, the broken thresholds and the saturation point.
enum LoadMarkdown {
    static func section(_ load: ReportContext.LoadRun) -> [String] {
        let summaries = load.summaries
        var out = ["### Load", ""]
        out.append("| level | workers | flows | passed | failed | checkpoints found | missing | wrong recipients | HTTP p50 / p95 / p99 / max ms | delivery p50 / p95 / p99 / max ms |")
        out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
        for (i, s) in summaries.enumerated() {
            out.append("| \(i + 1) | \(s.workers) | \(s.flows) | \(s.passed) | \(s.failed) | \(s.checkpointsFound) | \(s.checkpointsMissing) "
                       + "| \(s.wrongRecipients) | \(LoadConsoleReport.percentiles(s.http)) | \(LoadConsoleReport.percentiles(s.delivery)) |")
        }
        let breaches = load.breaches
        if !load.thresholds.isEmpty {
            out.append("")
            if breaches.isEmpty {
                out.append("Thresholds held at every level: " + load.thresholds.map { "`\(MarkdownReport.inline($0.description))`" }.joined(separator: ", "))
            } else {
                for b in breaches { out.append("- ❌ threshold \(MarkdownReport.inline(b.description))") }
                out.append("")
                let first = breaches[0]
                out.append("**Saturation point: level \(first.level) (\(first.workers) worker\(first.workers == 1 ? "" : "s")).**")
            }
        }
        return out
    }
}
