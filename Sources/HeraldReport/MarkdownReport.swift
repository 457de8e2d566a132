import Foundation
import HeraldCore

/// `report.md`: a summary of the run for a pull-request comment.
///
/// A title with the overall status (and "partial" when the run stopped early), a summary table, a table of the
/// expectations of each contract, the failures with their evidence in code blocks, the known gaps with their
/// tickets, and latency percentiles per contract (event delivery and HTTP responses).
public struct MarkdownReport: ReportSink {
    /// The file to write.
    public var path: String

    /// Writes to `path`.
    public init(path: String) { self.path = path }

    /// Writes the report file.
    public func write(_ result: RunResult, context: ReportContext) throws {
        try Data(MarkdownReport.render(result, context: context).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The whole Markdown text for `result`.
    public static func render(_ result: RunResult, context: ReportContext) -> String {
        var out: [String] = []
        out.append("## \(title(result, status: context.exitStatus(of: result)))")
        out.append("")
        out.append("Run \(inline(context.runID)) · started \(inline(context.startedAt)) · Herald \(inline(context.version))")
        out.append("")
        out += summaryTable(result)
        if result.isPartial {
            out.append("")
            out += partialNote(result)
        }
        if let load = context.load {
            out.append("")
            out += LoadMarkdown.section(load)
        }

        out.append("")
        out.append("### Contracts")
        for c in result.contracts {
            out.append("")
            out += contractSection(c, strict: result.strict)
        }
        for name in result.skipped {
            out.append("")
            out.append("#### ⏭️ \(inline(name)): not run")
        }

        let failures = result.contracts.flatMap { c in c.verdicts.filter { $0.outcome == .failed }.map { (c, $0) } }
        if !failures.isEmpty {
            out.append("")
            out.append("### Failures")
            for (c, v) in failures {
                out.append("")
                out += failureSection(v, contract: c)
            }
        }

        let gaps = result.contracts.flatMap { c in c.verdicts.filter { $0.knownGap != nil }.map { (c, $0) } }
        if !gaps.isEmpty {
            out.append("")
            out.append("### Known gaps\(result.strict ? " (failing: --strict)" : "")")
            out.append("")
            for (c, v) in gaps { out.append(knownGapLine(v, contract: c)) }
        }

        let latency = latencyRows(result)
        if !latency.isEmpty {
            out.append("")
            out.append("### Latency")
            out.append("")
            out.append("Nearest-rank percentiles. Event delivery: trigger → delivery of the matching event; HTTP: whole exchange.")
            out.append("")
            out.append("| contract | measure | n | p50 | p95 | max |")
            out.append("|---|---|--:|--:|--:|--:|")
            out += latency
        }
        return out.joined(separator: "\n") + "\n"
    }

    // MARK: - Summary

    static func title(_ r: RunResult, status exit: ExitStatus) -> String {
        let status: String
        switch exit {
        case .passed: status = "✅ Herald: passed"
        case .failed: status = "❌ Herald: failed"
        case .infrastructure: status = "⚠️ Herald: infrastructure error"
        case .invalidContract: status = "❌ Herald: invalid contract"
        }
        return r.isPartial ? status + " (partial)" : status
    }

    static func summaryTable(_ r: RunResult) -> [String] {
        let all = r.contracts.flatMap(\.verdicts)
        func n(_ o: Verdict.Outcome) -> Int { all.filter { $0.outcome == o }.count }
        let contractsPassed = r.contracts.filter { $0.status(strict: r.strict) == .passed }.count
        let total = r.contracts.count + r.skipped.count
        let duration = Duration.milliseconds(r.contracts.reduce(0) { $0 + $1.duration.milliseconds })
        var gaps = "\(n(.knownGap))"
        if r.strict && n(.knownGap) > 0 { gaps += " (failing: --strict)" }
        return [
            "| contracts | expectations | passed | failed | known gaps | not run | duration |",
            "|---|--:|--:|--:|--:|--:|--:|",
            "| \(contractsPassed) of \(total) passed | \(all.count) | \(n(.passed)) | \(n(.failed)) | \(gaps) | \(n(.notRun)) | \(DurationFormat.short(duration)) |",
        ]
    }

    static func partialNote(_ r: RunResult) -> [String] {
        var why: [String] = []
        if r.interrupted { why.append("it was interrupted") }
        let infra = r.contracts.filter { $0.infrastructureError != nil }.map(\.name)
        if !infra.isEmpty { why.append("an infrastructure error stopped \(infra.map(inline).joined(separator: ", "))") }
        if !r.skipped.isEmpty {
            why.append("\(r.skipped.count) contract\(r.skipped.count == 1 ? "" : "s") did not run (\(r.skipped.map(inline).joined(separator: ", ")))")
        }
        if why.isEmpty { why.append("it stopped early") }
        return ["> **Partial run:** \(why.joined(separator: "; ")). What follows is complete only as far as the run went."]
    }

    // MARK: - Contracts

    static func contractSection(_ c: ContractResult, strict: Bool) -> [String] {
        let mark: String
        switch c.status(strict: strict) {
        case .passed: mark = "✅"
        case .infrastructure: mark = "⚠️"
        default: mark = "❌"
        }
        var detail = "\(c.verdicts.count) expectation\(c.verdicts.count == 1 ? "" : "s")"
        let failed = c.count(.failed), gaps = c.count(.knownGap), notRun = c.count(.notRun)
        if failed > 0 { detail += ", \(failed) failed" }
        if gaps > 0 { detail += ", \(gaps) known gap\(gaps == 1 ? "" : "s")" }
        if notRun > 0 { detail += ", \(notRun) not run" }
        if c.interrupted { detail += ", interrupted" }
        var out = ["#### \(mark) \(inline(c.name))", "", "\(paragraph(c.file)) · \(detail) · \(DurationFormat.short(c.duration))"]
        if let infra = c.infrastructureError {
            out += ["", "**Infrastructure error:**", ""] + fenced(infra.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
        }
        guard !c.verdicts.isEmpty else {
            out += ["", "_No expectation was judged._"]
            return out
        }
        out += ["", "| expectation | kind | outcome | reason | message | latency | where |", "|---|---|---|---|---|--:|---|"]
        for v in c.verdicts {
            let cells = [
                cell(v.step), v.kind.rawValue, outcome(v), cell(v.reason?.rawValue ?? ""),
                cell(ConsoleReport.clip(v.message, 160)), v.latencyMs.map(DurationFormat.ms) ?? "",
                cell(v.location.map { "\($0.file):\($0.line)" } ?? ""),
            ]
            out.append("| " + cells.joined(separator: " | ") + " |")
        }
        return out
    }

    static func outcome(_ v: Verdict) -> String {
        switch v.outcome {
        case .passed where v.knownGap != nil: "✅ passed (known gap \(cell(v.knownGap!)) no longer fails)"
        case .passed: "✅ passed"
        case .failed: "❌ failed"
        case .knownGap: "⚠️ known gap \(cell(v.knownGap ?? ""))"
        case .notRun: "⏭️ not run"
        }
    }

    // MARK: - Failures and known gaps

    static func label(_ v: Verdict, contract c: ContractResult) -> String {
        "\(c.name) › \(v.step) › \(v.kind.rawValue)" + (v.reason.map { " [\($0.rawValue)]" } ?? "")
    }

    static func failureSection(_ v: Verdict, contract c: ContractResult) -> [String] {
        var out = ["#### ❌ \(inline(label(v, contract: c)))"]
        if let l = v.location { out += ["", paragraph(l.description)] }
        out += ["", paragraph(v.message)]
        let evidence = EvidenceText.lines(v.evidence, clip: 200)
        if !evidence.isEmpty { out += [""] + fenced(evidence) }
        return out
    }

    static func knownGapLine(_ v: Verdict, contract c: ContractResult) -> String {
        let state = v.outcome == .passed ? " — no longer fails (remove known_gap?)" : ""
        let at = v.location.map { " (\(inline("\($0.file):\($0.line)")))" } ?? ""
        return "- **\(inline(v.knownGap ?? ""))**\(state): \(inline(label(v, contract: c))): \(inline(ConsoleReport.clip(v.message, 200)))\(at)"
    }

    // MARK: - Latency

    static func latencyRows(_ r: RunResult) -> [String] {
        var rows: [String] = []
        for c in r.contracts {
            let delivery = LatencySummary(c.verdicts.compactMap(\.latencyMs))
            let http = LatencySummary(c.timeline.compactMap { entry -> Double? in
                if case .response(let response) = entry.event { return response.timing.totalMs }
                return nil
            })
            for (measure, summary) in [("event delivery", delivery), ("HTTP response", http)] {
                guard let s = summary else { continue }
                rows.append("| \(cell(c.name)) | \(measure) | \(s.count) | \(DurationFormat.ms(s.p50)) | \(DurationFormat.ms(s.p95)) | \(DurationFormat.ms(s.max)) |")
            }
        }
        return rows
    }

    // MARK: - Escaping

    /// Text inside a table cell: on one line, with Markdown's punctuation (`|` and backticks among it) escaped so
    /// that it shows as written and cannot end the cell.
    static func cell(_ s: String) -> String { inline(s) }

    /// Text inside running Markdown: on one line, with every character that Markdown or HTML could act on inside a
    /// line backslash-escaped (`\\`, backticks, `*`, `_`, `[`, `]`, `<`, `>`, `|`, `~`, `&`).
    static func inline(_ s: String) -> String {
        var out = ""
        for ch in visible(s.replacingNewlines()) {
            if "\\`*_[]<>|~&".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// Text that starts a line of its own: ``inline(_:)``, and a leading `#`, `-`, `+`, `=` or `1.` escaped so that
    /// it cannot start a heading or a list.
    static func paragraph(_ s: String) -> String {
        var text = inline(s)
        if let first = text.first, "#-+=".contains(first) {
            text.insert("\\", at: text.startIndex)
        } else if let number = text.prefixMatch(of: /[0-9]+(?=[.)])/) {
            text.insert("\\", at: number.range.upperBound)
        }
        return text
    }

    /// `lines` in a fenced code block whose fence is longer than any run of backticks inside, with control
    /// characters shown as `\uXXXX` (a frame can hold anything).
    static func fenced(_ text: [String]) -> [String] {
        let lines = text.map(visible)
        var longest = 0
        for line in lines {
            var run = 0
            for ch in line {
                run = ch == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return [fence + "text"] + lines + [fence]
    }

    /// `s` with control characters other than the tab, and the noncharacters U+FFFE and U+FFFF, as `\uXXXX`.
    static func visible(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if (u.properties.generalCategory == .control && u != "\t") || u.value == 0xFFFE || u.value == 0xFFFF {
                out += EvidenceText.escaped(u)
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
