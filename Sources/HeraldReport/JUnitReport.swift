import Foundation
import HeraldContract
import HeraldCore

/// `junit.xml`: the run in the JUnit XML format CI servers read (Jenkins, GitLab, GitHub test reporters).
///
/// A `<testsuite>` per contract and a `<testcase>` per expectation (per verdict):
/// - a failed expectation carries a `<failure>` whose `type` is the reason (`wrong-recipient`) and whose text holds
///   the message and the evidence, one line per frame (`role · actor · channel · +ms: frame`) with the field
///   differences of a nearest frame;
/// - a known gap is `<skipped message="known gap TICKET: …">`, an expectation the run never reached is
///   `<skipped message="not run: …">`;
/// - an infrastructure error is an extra testcase `infrastructure` with an `<error>`, an interrupted contract an
///   extra testcase `interrupted` with an `<error>`; contracts that did not run at all are a testsuite with one
///   skipped testcase (or an `<error>`, for the one an interrupt kept from starting);
/// - every testsuite has `<properties>` with Herald's version, the run id, `strict` and `partial` (`true` when the
///   run stopped early, see ``RunResult/isPartial``).
///
/// The shape follows the common Jenkins/Ant JUnit schema (`Tests/Fixtures/junit/junit.xsd`).
public struct JUnitReport: ReportSink {
    /// The file to write.
    public var path: String

    /// Writes to `path`.
    public init(path: String) { self.path = path }

    /// Writes the report file.
    public func write(_ result: RunResult, context: ReportContext) throws {
        try Data(JUnitReport.render(result, context: context).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The whole XML document for `result`.
    public static func render(_ result: RunResult, context: ReportContext) -> String {
        var suites = result.contracts.map { suite(for: $0, in: result, context: context) }
        // An interrupt between two contracts marks the run interrupted without marking a contract: the first contract
        // it kept from starting carries the error.
        let interruptShown = result.contracts.contains { $0.interrupted }
        for (i, name) in result.skipped.enumerated() {
            suites.append(notRunSuite(name, interrupt: result.interrupted && !interruptShown && i == 0, in: result, context: context))
        }
        if let load = context.load, !load.thresholds.isEmpty || load.summaries.contains(where: { !$0.latencyThresholds.isEmpty }) {
            suites.append(thresholdSuite(load, in: result, context: context))
        }

        var totals = Counts()
        for s in suites { totals.add(s.counts) }
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        xml += "<testsuites name=\"herald\"\(totals.attributes) time=\"\(seconds(totals.timeMs))\">\n"
        for s in suites { xml += s.xml }
        xml += "</testsuites>\n"
        return xml
    }

    // MARK: - Suites

    struct Counts {
        var tests = 0, failures = 0, errors = 0, skipped = 0
        var timeMs = 0.0

        mutating func add(_ other: Counts) {
            tests += other.tests
            failures += other.failures
            errors += other.errors
            skipped += other.skipped
            timeMs += other.timeMs
        }

        var attributes: String {
            " tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\" skipped=\"\(skipped)\""
        }
    }

    struct Suite {
        var counts: Counts
        var xml: String
    }

    static func suite(for c: ContractResult, in result: RunResult, context: ReportContext) -> Suite {
        var counts = Counts()
        counts.timeMs = c.duration.milliseconds
        var cases = ""
        for (v, name) in zip(c.verdicts, testcaseNames(c.verdicts)) {
            cases += testcase(v, name: name, classname: c.name)
            counts.tests += 1
            switch v.outcome {
            case .passed: break
            case .failed: counts.failures += 1
            case .knownGap, .notRun: counts.skipped += 1
            }
        }
        if let infra = c.infrastructureError {
            cases += errorCase("infrastructure", classname: c.name, location: c.location, type: "infrastructure",
                               message: infra, text: infra)
            counts.tests += 1
            counts.errors += 1
        }
        if c.interrupted {
            let message = "the run was interrupted (Ctrl-C) during this contract: the expectations after that point were not judged"
            cases += errorCase("interrupted", classname: c.name, location: c.location, type: "interrupted",
                               message: message, text: message)
            counts.tests += 1
            counts.errors += 1
        }
        var xml = "  <testsuite name=\"\(attr(c.name))\"\(counts.attributes) time=\"\(seconds(counts.timeMs))\""
        xml += timestamp(context)
        xml += " file=\"\(attr(c.file))\">\n"
        xml += properties(result, context: context)
        xml += cases
        xml += "  </testsuite>\n"
        return Suite(counts: counts, xml: xml)
    }

    /// A load run's thresholds (and its expectations' `latency:` bounds): a testsuite `load thresholds` with a testcase
    /// per threshold and level, failed where the level broke it, so that a CI server shows a breach like any failed expectation.
    static func thresholdSuite(_ load: ReportContext.LoadRun, in result: RunResult, context: ReportContext) -> Suite {
        var counts = Counts()
        var xml = ""
        let breaches = load.breaches
        for (i, level) in load.summaries.enumerated() {
            for t in load.thresholds + level.latencyThresholds {
                counts.tests += 1
                let name = "\(t.description) at level \(i + 1) (\(level.label))"
                xml += "    <testcase name=\"\(attr(name))\" classname=\"load thresholds\" time=\"0\">\n"
                if let b = breaches.first(where: { $0.level == i + 1 && $0.threshold == t }) {
                    counts.failures += 1
                    xml += "      <failure message=\"\(attr(b.description))\" type=\"threshold\">\(text(b.description))</failure>\n"
                }
                xml += "    </testcase>\n"
            }
        }
        let head = "  <testsuite name=\"load thresholds\"\(counts.attributes) time=\"0\"\(timestamp(context))>\n"
        return Suite(counts: counts, xml: head + properties(result, context: context) + xml + "  </testsuite>\n")
    }

    static func notRunSuite(_ name: String, interrupt: Bool, in result: RunResult, context: ReportContext) -> Suite {
        var counts = Counts()
        counts.tests = 1
        var xml = "    <testcase name=\"not run\" classname=\"\(attr(name))\" time=\"0\">\n"
        if interrupt {
            counts.errors = 1
            let message = "the run was interrupted (Ctrl-C) before this contract started"
            xml += "      <error message=\"\(attr(message))\" type=\"interrupted\">\(text(message))</error>\n"
        } else {
            counts.skipped = 1
            let why = result.interrupted ? "the run was interrupted before this contract" : "--fail-fast stopped the run before this contract"
            xml += "      <skipped message=\"\(attr("not run: " + why))\"/>\n"
        }
        xml += "    </testcase>\n"
        let head = "  <testsuite name=\"\(attr(name))\"\(counts.attributes) time=\"0\"\(timestamp(context))>\n"
        return Suite(counts: counts, xml: head + properties(result, context: context) + xml + "  </testsuite>\n")
    }

    static func properties(_ result: RunResult, context: ReportContext) -> String {
        var props: [(String, String)] = [
            ("herald.version", context.version),
            ("run.id", context.runID),
            ("strict", String(result.strict)),
            ("partial", String(result.isPartial)),
        ]
        if result.interrupted { props.append(("interrupted", "true")) }
        var xml = "    <properties>\n"
        for (name, value) in props { xml += "      <property name=\"\(attr(name))\" value=\"\(attr(value))\"/>\n" }
        return xml + "    </properties>\n"
    }

    /// ` timestamp="…"` when the context's start time is an ISO 8601 date and time the schema accepts, else nothing.
    static func timestamp(_ context: ReportContext) -> String {
        let iso = /[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?/
        return context.startedAt.wholeMatch(of: iso) != nil ? " timestamp=\"\(attr(context.startedAt))\"" : ""
    }

    // MARK: - Test cases

    /// `step › kind`, with ` #n` when the same step has several expectations of that kind, so that every test case
    /// of a suite has its own name, and the same name whatever the outcome, so CI history follows it.
    static func testcaseNames(_ verdicts: [Verdict]) -> [String] {
        let bases = verdicts.map { "\($0.step) › \($0.kind.rawValue)" }
        var total: [String: Int] = [:]
        for b in bases { total[b, default: 0] += 1 }
        var seen: [String: Int] = [:]
        return zip(verdicts, bases).map { v, base in
            seen[base, default: 0] += 1
            return total[base]! > 1 ? "\(base) #\(seen[base]!)" : base
        }
    }

    static func testcase(_ v: Verdict, name: String, classname: String) -> String {
        var xml = "    <testcase name=\"\(attr(name))\" classname=\"\(attr(classname))\""
        if let l = v.location { xml += " file=\"\(attr(l.file))\" line=\"\(l.line)\"" }
        xml += " time=\"\(v.latencyMs.map(seconds) ?? "0")\""
        switch v.outcome {
        case .passed:
            guard let gap = v.knownGap else { return xml + "/>\n" }
            let note = "known gap \(gap) no longer fails (remove known_gap?): \(v.message)"
            return xml + ">\n      <system-out>\(text(note))</system-out>\n    </testcase>\n"
        case .failed:
            let type = v.reason?.rawValue ?? "failed"
            xml += ">\n      <failure message=\"\(attr(v.message))\" type=\"\(attr(type))\">\(text(failureText(v)))</failure>\n"
        case .knownGap:
            let reason = v.reason.map { " [\($0.rawValue)]" } ?? ""
            xml += ">\n      <skipped message=\"\(attr("known gap \(v.knownGap ?? "?"): \(v.message)\(reason)"))\"/>\n"
        case .notRun:
            xml += ">\n      <skipped message=\"\(attr("not run: \(v.message)"))\"/>\n"
        }
        return xml + "    </testcase>\n"
    }

    /// The message, where the expectation is written, and the evidence lines.
    static func failureText(_ v: Verdict) -> String {
        var lines = [v.message]
        if let l = v.location { lines.append("  at \(l)") }
        lines += EvidenceText.lines(v.evidence, clip: 1000).map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    static func errorCase(_ name: String, classname: String, location: SourceLocation, type: String,
                          message: String, text body: String) -> String {
        let firstLine = message.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? message
        return "    <testcase name=\"\(attr(name))\" classname=\"\(attr(classname))\" file=\"\(attr(location.file))\""
            + " line=\"\(location.line)\" time=\"0\">\n"
            + "      <error message=\"\(attr(firstLine))\" type=\"\(attr(type))\">\(text(body))</error>\n"
            + "    </testcase>\n"
    }

    // MARK: - Values

    /// Milliseconds as seconds, a plain decimal (`0.0026`, `1.2`), never in exponent form.
    static func seconds(_ ms: Double) -> String {
        guard ms.isFinite, ms > 0 else { return "0" }
        var s = String(format: "%.6f", ms / 1000)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s == "" ? "0" : s
    }

    /// Character data: `&`, `<`, `>` escaped, a carriage return kept as `&#13;`, and characters XML 1.0 does not
    /// allow replaced by a visible `\uXXXX`.
    static func text(_ s: String) -> String { escape(s, attribute: false) }

    /// An attribute value in double quotes: also `"` and `'` escaped, and tabs and line breaks as character
    /// references so that parsers do not turn them into spaces.
    static func attr(_ s: String) -> String { escape(s, attribute: true) }

    static func escape(_ s: String, attribute: Bool) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "'" where attribute: out += "&apos;"
            case "\n" where attribute: out += "&#10;"
            case "\t" where attribute: out += "&#9;"
            case "\r": out += "&#13;"
            case "\n", "\t": out.unicodeScalars.append(u)
            default:
                if isAllowedInXML(u) {
                    out.unicodeScalars.append(u)
                } else {
                    out += EvidenceText.escaped(u)
                }
            }
        }
        return out
    }

    /// `Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]` (surrogates cannot occur
    /// in a Swift string).
    static func isAllowedInXML(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }
}
