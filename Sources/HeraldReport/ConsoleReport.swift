import HeraldCore

/// The terminal summary: one line per contract, the failed expectations with their evidence, and a closing line.
public struct ConsoleReport: ReportSink {
    /// Where lines go.
    public var output: @Sendable (String) -> Void
    /// Whether to use ANSI colour.
    public var color: Bool
    /// Also list passing expectations.
    public var verbose: Bool

    /// Creates the reporter.
    public init(color: Bool, verbose: Bool = false, output: @escaping @Sendable (String) -> Void) {
        self.color = color
        self.verbose = verbose
        self.output = output
    }

    /// Prints the result.
    public func write(_ result: RunResult, context: ReportContext) throws {
        output(ConsoleReport.render(result, color: color, verbose: verbose))
    }

    /// The whole console text for a result.
    public static func render(_ result: RunResult, color: Bool, verbose: Bool = false) -> String {
        let paint = Paint(enabled: color)
        var lines: [String] = []
        for c in result.contracts {
            let failed = c.count(.failed)
            let gaps = c.count(.knownGap)
            let mark: String
            switch c.status(strict: result.strict) {
            case .passed: mark = paint.green("✔")
            case .infrastructure: mark = paint.red("!")
            default: mark = paint.red("✘")
            }
            var detail = "\(c.verdicts.count) expectation\(c.verdicts.count == 1 ? "" : "s")"
            if failed > 0 { detail += ", \(failed) failed" }
            if gaps > 0 { detail += ", \(gaps) known gap\(gaps == 1 ? "" : "s")" }
            if c.interrupted { detail += ", interrupted" }
            lines.append("\(mark) \(paint.bold(c.name))  \(paint.dim("(\(detail), \(DurationFormat.short(c.duration)))"))  \(paint.dim(c.file))")
            if let infra = c.infrastructureError {
                for (i, line) in infra.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    lines.append("    " + (i == 0 ? paint.red("infrastructure error: ") : "") + line)
                }
            }
            for v in c.verdicts where v.outcome != .passed || verbose || v.knownGap != nil {
                lines.append(contentsOf: render(v, paint: paint).map { "    " + $0 })
            }
        }
        for name in result.skipped { lines.append("\(paint.yellow("-")) \(name)  \(paint.dim("(not run)"))") }
        lines.append(summary(result, paint: paint))
        return lines.joined(separator: "\n")
    }

    static func render(_ v: Verdict, paint: Paint) -> [String] {
        var lines: [String] = []
        let mark: String
        switch v.outcome {
        case .passed where v.knownGap != nil: mark = paint.green("✔ known gap \(v.knownGap!) no longer fails (remove known_gap?)")
        case .passed: mark = paint.green("✔")
        case .failed: mark = paint.red("✘")
        case .knownGap: mark = paint.yellow("~ known gap \(v.knownGap ?? "")")
        case .notRun: mark = paint.yellow("-")
        }
        let reason = v.reason.map { " [\($0.rawValue)]" } ?? ""
        lines.append("\(mark) \(v.step) › \(v.kind.rawValue)\(paint.red(reason))  \(paint.dim(v.location?.description ?? ""))")
        lines.append("    \(v.message)")
        if v.outcome != .passed {
            for line in EvidenceText.lines(v.evidence, clip: 200) { lines.append(paint.dim("      " + line)) }
        }
        return lines
    }

    static func summary(_ r: RunResult, paint: Paint) -> String {
        let all = r.contracts.flatMap(\.verdicts)
        let passed = all.filter { $0.outcome == .passed }.count
        let failed = all.filter { $0.outcome == .failed }.count
        let gaps = all.filter { $0.outcome == .knownGap }.count
        let contractsFailed = r.contracts.filter { $0.status(strict: r.strict) != .passed }.count
        var s = "\(r.contracts.count - contractsFailed) of \(r.contracts.count) contract\(r.contracts.count == 1 ? "" : "s") passed · "
        s += "expectations: \(passed) passed, \(failed) failed"
        if gaps > 0 { s += ", \(gaps) known gap\(gaps == 1 ? "" : "s")\(r.strict ? " (failing: --strict)" : "")" }
        if !r.skipped.isEmpty { s += ", \(r.skipped.count) contract\(r.skipped.count == 1 ? "" : "s") not run" }
        if r.interrupted { s += " · interrupted" }
        let color = r.exitStatus == .passed ? paint.green(s) : paint.red(s)
        return color
    }

    static func clip(_ s: String, _ n: Int) -> String {
        // Frames are arbitrary: control characters (an ESC that would restyle the terminal) are shown, not sent.
        let one = String(String.UnicodeScalarView(s.replacingNewlines().unicodeScalars.flatMap { c -> [Unicode.Scalar] in
            c.properties.generalCategory == .control ? Array(EvidenceText.escaped(c).unicodeScalars) : [c]
        }))
        return one.count > n ? String(one.prefix(n)) + "…" : one
    }
}

/// ANSI styling, off unless enabled.
struct Paint {
    var enabled: Bool
    func wrap(_ s: String, _ code: String) -> String { enabled ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }
    func red(_ s: String) -> String { wrap(s, "31") }
    func green(_ s: String) -> String { wrap(s, "32") }
    func yellow(_ s: String) -> String { wrap(s, "33") }
    func dim(_ s: String) -> String { wrap(s, "2") }
    func bold(_ s: String) -> String { wrap(s, "1") }
}

/// Short human durations.
public enum DurationFormat {
    /// `350 ms`, `2.3 s`.
    public static func short(_ d: Duration) -> String {
        let ms = d.milliseconds
        return ms < 1000 ? "\(Int(ms.rounded())) ms" : "\(Double(Int(ms / 100)) / 10) s"
    }

    /// Milliseconds with one decimal under 10 ms.
    public static func ms(_ ms: Double) -> String {
        ms < 10 ? "\(Double(Int(ms * 10)) / 10) ms" : "\(Int(ms.rounded())) ms"
    }

    /// Milliseconds as a figure in a table of percentiles, without the unit: two decimals under 10 ms, one under
    /// 100 ms, whole above (`1.42`, `23.8`, `153`).
    public static func figure(_ ms: Double) -> String {
        ms < 10 ? String(Double(Int(ms * 100)) / 100) : ms < 100 ? String(Double(Int(ms * 10)) / 10) : String(Int(ms.rounded()))
    }
}

extension String {
    func replacingNewlines() -> String {
        String(map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }
}
