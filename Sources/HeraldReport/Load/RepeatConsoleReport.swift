import HeraldCore

/// The terminal summary of `--repeat N`: each contract's pass rate, each expectation that did not pass every time
/// (flaky or failing) with how often it passed and why it failed, and the spread of each event's delivery latency.
public enum RepeatConsoleReport {
    /// The whole console text for a repeated run (a load run of one worker), with the `latency:` bounds and
    /// thresholds its runs broke together (`breaches`), which fail it too.
    public static func render(_ result: LoadResult, breaches: [ThresholdBreach] = [], color: Bool) -> String {
        let paint = Paint(enabled: color)
        let flows = result.levels.flatMap(\.flows)
        var lines: [String] = []
        var order: [String] = []
        var byContract: [String: [ContractResult]] = [:]
        for flow in flows {
            if byContract[flow.contract.name] == nil { order.append(flow.contract.name) }
            byContract[flow.contract.name, default: []].append(flow.contract)
        }
        for name in order {
            let runs = byContract[name]!
            let passed = runs.filter { $0.status(strict: result.strict) == .passed }.count
            let mark = passed == runs.count ? paint.green("✔") : passed == 0 ? paint.red("✘") : paint.yellow("~")
            let rate = passed == runs.count ? "passed \(passed) of \(runs.count) runs" : passed == 0 ? "failed all \(runs.count) runs"
                : "flaky: passed \(passed) of \(runs.count) runs"
            lines.append("\(mark) \(paint.bold(name))  \(paint.dim("(\(rate))"))")
            // Expectations by id, in the order they were first judged.
            var ids: [String] = []
            var verdicts: [String: [Verdict]] = [:]
            for run in runs {
                for v in run.verdicts {
                    if verdicts[v.id] == nil { ids.append(v.id) }
                    verdicts[v.id, default: []].append(v)
                }
            }
            for id in ids {
                let vs = verdicts[id]!
                let ok = vs.filter { $0.outcome == .passed }.count
                let latencies = vs.compactMap { $0.outcome == .passed ? $0.latencyMs : nil }.sorted()
                var spread = ""
                if let first = latencies.first, let last = latencies.last {
                    spread = "  latency \(DurationFormat.figure(first))–\(DurationFormat.figure(last)) ms, median "
                        + DurationFormat.figure(latencies[(latencies.count - 1) / 2]) + " ms"
                }
                let short = LoadLevelSummary.expectation(id, contract: name)
                if ok < runs.count {
                    let reasons = Set(vs.compactMap { $0.outcome == .passed ? nil : ($0.reason?.rawValue ?? $0.outcome.rawValue) }).sorted()
                    lines.append("    " + paint.red("✘") + " \(short): passed \(ok) of \(runs.count) (\(reasons.joined(separator: ", ")))" + spread)
                    if let failed = vs.first(where: { $0.outcome != .passed }) { lines.append("        " + paint.dim(failed.message)) }
                } else if !spread.isEmpty {
                    lines.append("    " + paint.dim("✔ \(short)" + spread))
                }
            }
        }
        for b in breaches { lines.append(paint.red("✘ ") + "\(b.threshold.description) over the \(flows.count) runs: "
                                          + "\(DurationFormat.figure(b.value))\(b.threshold.isLatency ? " ms" : "")") }
        let total = order.count, steady = order.filter { n in byContract[n]!.allSatisfy { $0.status(strict: result.strict) == .passed } }.count
        let runs = flows.count / max(1, total)
        var closing = "\(steady) of \(total) contract\(total == 1 ? "" : "s") passed every one of \(runs) run\(runs == 1 ? "" : "s")"
        if result.interrupted { closing += "; interrupted" }
        if result.stoppedEarly { closing += "; stopped at the first failed run (--fail-fast)" }
        lines.append(steady == total ? paint.green(closing) : paint.red(closing))
        return lines.joined(separator: "\n")
    }
}
