import HeraldCore

/// On GitHub Actions (`GITHUB_ACTIONS=true`), failures as workflow commands, so that each one is annotated on the
/// line of the contract that declares the expectation: `::error file=…,line=…,col=…,title=…::message`.
/// Known gaps become warnings.
public struct GitHubAnnotations: ReportSink {
    /// Where lines go (stdout: the runner reads workflow commands there).
    public var output: @Sendable (String) -> Void

    /// Creates the sink.
    public init(output: @escaping @Sendable (String) -> Void) { self.output = output }

    /// Prints one workflow command per failure, known gap and infrastructure error.
    public func write(_ result: RunResult, context: ReportContext) throws {
        for line in Self.render(result) { output(line) }
    }

    /// The workflow commands for `result`.
    public static func render(_ result: RunResult) -> [String] {
        var lines: [String] = []
        for c in result.contracts {
            if let infra = c.infrastructureError {
                lines.append(command("error", location: c.location, title: "\(c.name): infrastructure error", message: infra))
            }
            for v in c.verdicts {
                let level: String
                switch v.outcome {
                case .failed: level = "error"
                case .knownGap: level = "warning"
                case .passed, .notRun: continue
                }
                let reason = v.reason.map { " [\($0.rawValue)]" } ?? ""
                let gap = v.knownGap.map { "known gap \($0): " } ?? ""
                lines.append(command(level, location: v.location ?? c.location,
                                     title: "\(c.name) › \(v.step) › \(v.kind.rawValue)\(reason)", message: gap + v.message))
            }
        }
        return lines
    }

    static func command(_ level: String, location: SourceLocation, title: String, message: String) -> String {
        "::\(level) file=\(property(location.file)),line=\(location.line),col=\(location.column),title=\(property(title))::\(data(message))"
    }

    /// Escapes a message the way the runner unescapes it.
    static func data(_ s: String) -> String {
        s.replacingAll("%", with: "%25").replacingAll("\r", with: "%0D").replacingAll("\n", with: "%0A")
    }

    /// Escapes a property value, where `:` and `,` also delimit.
    static func property(_ s: String) -> String {
        data(s).replacingAll(":", with: "%3A").replacingAll(",", with: "%2C")
    }
}
