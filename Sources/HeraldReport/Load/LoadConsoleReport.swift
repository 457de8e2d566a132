import HeraldContract
import HeraldCore

/// The terminal summary of a load run: a table with a row per level (flows, notification checkpoints, wrong
/// recipients, HTTP and delivery percentiles), the latencies by step and by expectation at the highest level, and
/// the first flows that did not pass at each level, with their failed expectations.
public enum LoadConsoleReport {
    /// How many failed flows are shown per level.
    static let failuresShown = 5

    /// The table with a row per level, and the latencies by step and by expectation at the highest level.
    public static func levelTable(_ summaries: [LoadLevelSummary], color: Bool) -> String {
        levelTable(summaries, paint: Paint(enabled: color)).joined(separator: "\n")
    }

    /// The header and a row per level, shared by the console, Markdown and HTML: an open-model run (rates) shows
    /// its rate, the most flows under way, late and dropped starts and the flows' latency from their scheduled start;
    /// 429s waited out show when there were any.
    static func rows(_ summaries: [LoadLevelSummary]) -> [[String]] {
        let open = summaries.contains { $0.rate != nil }, throttled = summaries.contains { $0.throttled > 0 }
        var header = ["level"] + (open ? ["rate", "most under way"] : ["workers"])
        header += ["flows", "passed", "failed"] + (open ? ["late", "dropped"] : [])
        header += ["checkpoints", "wrong recipients"] + (throttled ? ["429 waited out"] : [])
        header += ["HTTP p50/p95/p99/max ms", "delivery p50/p95/p99/max ms"]
        header += (open ? ["flow from schedule p50/p95/p99/max ms"] : []) + ["time"]
        var rows = [header]
        for (i, s) in summaries.enumerated() {
            var row = ["\(i + 1)"] + (open ? [s.rate ?? "-", "\(s.workers)"] : ["\(s.workers)"])
            row += ["\(s.flows)", "\(s.passed)", "\(s.failed)"] + (open ? ["\(s.late)", "\(s.dropped)"] : [])
            row += ["\(s.checkpointsFound) found, \(s.checkpointsMissing) missing"
                        + (s.checkpointsKnownGap > 0 ? ", \(s.checkpointsKnownGap) known gap" : ""), "\(s.wrongRecipients)"]
            row += (throttled ? ["\(s.throttled)"] : []) + [percentiles(s.http), percentiles(s.delivery)]
            row += (open ? [percentiles(s.scheduled)] : []) + [DurationFormat.short(s.duration)]
            rows.append(row)
        }
        return rows
    }

    static func levelTable(_ summaries: [LoadLevelSummary], paint: Paint) -> [String] {
        var lines = table(rows(summaries))
        if let top = summaries.last {
            lines.append("")
            lines.append(paint.bold("at \(top.label):"))
            var detail = [["", "count", "p50/p90/p95/p99/max ms"]]
            if top.rate != nil {
                detail.append(["flow (service time)", "\(top.flow.count)", percentiles(top.flow, full: true)])
                detail.append(["flow from its scheduled start", "\(top.scheduled.count)", percentiles(top.scheduled, full: true)])
            }
            for (step, h) in top.httpBySteps { detail.append(["HTTP " + step, "\(h.count)", percentiles(h, full: true)]) }
            for (e, h) in top.deliveryByExpectation { detail.append(["delivery " + e, "\(h.count)", percentiles(h, full: true)]) }
            lines += table(detail).map { "  " + $0 }
        }
        return lines
    }

    /// The whole console text for a load run, with the breaches of `thresholds`.
    public static func render(_ result: LoadResult, thresholds: [Threshold] = [], color: Bool) -> String {
        render(ReportContext.LoadRun(result: result, thresholds: thresholds), color: color)
    }

    /// The whole console text for a load run summarised for the reports.
    public static func render(_ load: ReportContext.LoadRun, color: Bool) -> String {
        let paint = Paint(enabled: color)
        let (result, thresholds, summaries, breaches) = (load.result, load.thresholds, load.summaries, load.breaches)
        var lines = levelTable(summaries, paint: paint)
        for (level, s) in zip(result.levels, summaries) where s.failed > 0 {
            lines.append("")
            lines.append(paint.red("level with \(s.label): \(s.failed) of \(s.flows) flows did not pass"))
            let failed = level.flows.filter { $0.contract.status(strict: result.strict) != .passed }
            for flow in failed.prefix(failuresShown) {
                lines.append("  " + paint.red("✘") + " worker \(flow.worker), round \(flow.round): " + paint.bold(flow.contract.name))
                if let infra = flow.contract.infrastructureError { lines.append("      infrastructure error: " + infra) }
                for v in flow.contract.verdicts where v.outcome == .failed || (result.strict && v.outcome == .knownGap) {
                    lines.append(contentsOf: ConsoleReport.render(v, paint: paint).map { "      " + $0 })
                }
            }
            if failed.count > failuresShown { lines.append("  … and \(failed.count - failuresShown) more") }
        }
        if !thresholds.isEmpty || !breaches.isEmpty {
            lines.append("")
            if breaches.isEmpty {
                lines.append(paint.green("thresholds held at every level: ") + thresholds.map(\.description).joined(separator: ", "))
            } else {
                for b in breaches { lines.append(paint.red("✘ threshold ") + b.description) }
                let first = breaches[0]
                lines.append(paint.bold("saturation point: level \(first.level) (\(first.levelLabel))"))
            }
        }
        lines.append("")
        let flows = summaries.map(\.flows).reduce(0, +), failed = summaries.map(\.failed).reduce(0, +)
        let wrong = summaries.map(\.wrongRecipients).reduce(0, +)
        var closing = "\(summaries.count) level\(summaries.count == 1 ? "" : "s"), \(flows) flow\(flows == 1 ? "" : "s"): "
        closing += failed == 0 ? paint.green("all passed") : paint.red("\(failed) did not pass")
        if wrong > 0 { closing += ", " + paint.red("\(wrong) wrong recipient\(wrong == 1 ? "" : "s")") }
        if let first = summaries.first(where: { $0.failed > 0 }) {
            closing += " (first at \(first.label))"
        }
        let late = summaries.map(\.late).reduce(0, +), dropped = summaries.map(\.dropped).reduce(0, +)
        if late > 0 { closing += "; \(late) started late" }
        if dropped > 0 { closing += "; " + paint.red("\(dropped) dropped") }
        if !breaches.isEmpty { closing += "; " + paint.red("\(breaches.count) threshold breach\(breaches.count == 1 ? "" : "es")") }
        if result.stoppedEarly { closing += "; stopped at the first failed flow (--fail-fast)" }
        if result.interrupted { closing += "; interrupted" }
        lines.append(closing)
        return lines.joined(separator: "\n")
    }

    static func percentiles(_ h: LatencyHistogram, full: Bool = false) -> String {
        guard h.count > 0 else { return "-" }
        let points: [Double] = full ? [50, 90, 95, 99] : [50, 95, 99]
        return (points.map { DurationFormat.figure(h.ms(at: $0)) } + [DurationFormat.figure(h.maxMs)]).joined(separator: "/")
    }

    private static func table(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { c in rows.map { $0[c].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { c, cell in
                c == 0 ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[c] - cell.count) + cell
            }.joined(separator: "  ")
        }
    }
}
