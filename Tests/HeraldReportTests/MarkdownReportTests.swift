import Foundation
import HeraldCore
@testable import HeraldReport
import Testing

/// `report.md`, the pull-request comment.
@Suite("report.md")
struct MarkdownReportTests {
    static let sample = MarkdownReport.render(SampleRun.result, context: SampleRun.context)
    static var lines: [String] { sample.components(separatedBy: "\n") }

    /// The lines of the Markdown section that starts with `heading`, up to the next heading of that level or above.
    static func section(_ heading: String, in text: String = sample) -> [String] {
        let lines = text.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: heading) else { return [] }
        let level = heading.prefix { $0 == "#" }.count
        let rest = lines[(start + 1)...]
        let end = rest.firstIndex { line in
            let hashes = line.prefix { $0 == "#" }.count
            return hashes > 0 && hashes <= level && line.dropFirst(hashes).hasPrefix(" ")
        } ?? lines.endIndex
        return Array(lines[start..<end])
    }

    /// The `|` that delimit cells: those not escaped with a backslash.
    static func cellDelimiters(_ row: String) -> Int {
        var count = 0, escaped = false
        for ch in row {
            if escaped { escaped = false; continue }
            if ch == "\\" { escaped = true } else if ch == "|" { count += 1 }
        }
        return count
    }

    @Test("the title says the overall status and that the run is partial; the summary has the numbers")
    func summary() {
        #expect(Self.lines.first == "## ⚠️ Herald: infrastructure error (partial)")
        #expect(Self.sample.contains("Run r1a2b3 · started 2026-11-22T10:00:00Z · Herald 0.1.0"))
        #expect(Self.sample.contains("""
            | contracts | expectations | passed | failed | known gaps | not run | duration |
            |---|--:|--:|--:|--:|--:|--:|
            | 0 of 2 passed | 5 | 2 | 2 | 1 | 0 | 1.2 s |
            """), "\(Self.sample)")
        #expect(Self.lines.contains { $0.hasPrefix("> **Partial run:**") && $0.contains("an infrastructure error stopped health") })
    }

    @Test("a passing run and a failing run are titled so; an interrupted one is partial and lists what did not run")
    func titles() {
        let passing = RunResult(contracts: [ContractResult(
            name: "ok", file: "ok.yaml", location: SourceLocation(file: "ok.yaml", line: 1, column: 1),
            verdicts: [SampleRun.verdicts[0]], timeline: [], origin: SampleRun.origin, duration: .milliseconds(5),
            infrastructureError: nil, interrupted: false, actors: [])], interrupted: false, skipped: [], strict: false)
        let ok = MarkdownReport.render(passing, context: SampleRun.context)
        #expect(ok.hasPrefix("## ✅ Herald: passed\n"))
        #expect(!ok.contains("partial") && !ok.contains("Partial"))
        #expect(!ok.contains("### Failures") && !ok.contains("### Known gaps"))

        let failing = RunResult(contracts: [SampleRun.contracts[0]], interrupted: false, skipped: [], strict: false)
        #expect(MarkdownReport.render(failing, context: SampleRun.context).hasPrefix("## ❌ Herald: failed\n"))

        let partial = MarkdownReport.render(SampleRun.partial, context: SampleRun.context)
        #expect(partial.hasPrefix("## ❌ Herald: failed (partial)\n"))
        #expect(partial.contains("> **Partial run:** it was interrupted; 2 contracts did not run (later contract, last contract)."))
        #expect(partial.contains("#### ⏭️ later contract: not run"))
        #expect(partial.contains("| 0 of 3 passed | 3 | 1 | 1 | 0 | 1 | 2.5 s |"))
        #expect(partial.contains("| step 2: a long wait | poll | ⏭️ not run | interrupted |"))
        #expect(partial.contains("3 expectations, 1 failed, 1 not run, interrupted"))
    }

    @Test("a table per contract: expectation, kind, outcome, reason, message, latency, where")
    func contractTables() {
        let offer = Self.section("#### ❌ accepted offer")
        #expect(offer.contains("contracts/accepted-offer.yaml · 5 expectations, 2 failed, 1 known gap · 1.2 s"))
        let rows = offer.filter { $0.hasPrefix("| ") }
        #expect(rows.first == "| expectation | kind | outcome | reason | message | latency | where |")
        #expect(rows.count == 1 + SampleRun.verdicts.count)
        #expect(rows.contains("| step 6: buyer accepts seller 1's offer | recipients | ❌ failed | wrong-recipient | "
            + "{type: offer.accepted, relatedId: o-7}: wrong recipient: seller\\[0\\] also received it | 2.6 ms | contracts/accepted-offer.yaml:99 |"))
        #expect(rows.contains { $0.contains("| count | ⚠️ known gap BUG-42 | duplicate |") })
        #expect(rows.contains { $0.contains("| 30 ms | contracts/accepted-offer.yaml:110 |") })
        for row in rows { #expect(Self.cellDelimiters(row) == 8, "\(row)") }

        let health = Self.section("#### ⚠️ health")
        #expect(health.contains("**Infrastructure error:**"))
        #expect(health.contains("cannot connect to http://127.0.0.1:9/health: connection refused"))
    }

    @Test("the wrong-recipient failure shows the message, the astray frame and its actor in a code block")
    func failures() throws {
        let failures = Self.section("### Failures")
        let heading = "#### ❌ accepted offer › step 6: buyer accepts seller 1's offer › recipients \\[wrong-recipient\\]"
        let start = try #require(failures.firstIndex(of: heading), "\(failures)")
        let block = Array(failures[start...].prefix(10))
        #expect(block.contains("contracts/accepted-offer.yaml:99:9"))
        #expect(block.contains("{type: offer.accepted, relatedId: o-7}: wrong recipient: seller\\[0\\] also received it"))
        let open = try #require(block.firstIndex(of: "```text"))
        #expect(block[open + 1] == "unexpected · seller[0] · inbox · +5.7 ms: \(SampleRun.accepted)")
        #expect(block[open + 2] == "matched · seller[1] · inbox · +2.6 ms: \(SampleRun.accepted)")
        #expect(block[open + 3] == "```")

        #expect(failures.contains("  $.type: expected payment.succeeded, got payment.processing"), "the nearest frame's differences")
        #expect(!failures.contains { $0.contains("BUG-42") }, "a known gap is not listed as a failure")
    }

    @Test("known gaps are listed with their tickets")
    func knownGaps() {
        let gaps = Self.section("### Known gaps")
        #expect(gaps.contains("- **BUG-42**: accepted offer › step 6: buyer accepts seller 1's offer › count \\[duplicate\\]: "
            + "expected 1 × {type: offer.accepted}, got 2 (contracts/accepted-offer.yaml:103)"), "\(gaps)")

        var fixed = SampleRun.result
        fixed.contracts[0].verdicts[2].outcome = .passed
        let text = MarkdownReport.render(fixed, context: SampleRun.context)
        #expect(text.contains("- **BUG-42** — no longer fails (remove known_gap?)"))
        #expect(text.contains("✅ passed (known gap BUG-42 no longer fails)"))
    }

    @Test("latency: p50, p95 and max of event delivery and of HTTP responses, per contract")
    func latency() {
        let section = Self.section("### Latency")
        #expect(section.contains("| contract | measure | n | p50 | p95 | max |"))
        #expect(section.contains("| accepted offer | event delivery | 2 | 2.6 ms | 30 ms | 30 ms |"), "\(section)")
        #expect(section.contains("| accepted offer | HTTP response | 1 | 3.8 ms | 3.8 ms | 3.8 ms |"), "\(section)")
        #expect(!section.contains { $0.hasPrefix("| health") }, "a contract without measurements has no row")
        #expect(!MarkdownReport.render(SampleRun.partial, context: SampleRun.context).contains("### Latency"))
    }

    @Test("| and backticks in table cells are escaped, so that no row gains a column")
    func cellEscaping() throws {
        var run = SampleRun.result
        run.contracts[0].verdicts.append(Verdict(
            id: "accepted offer › step 9 › body", contract: "accepted offer", step: "step 9: GET a|b",
            kind: .body, outcome: .failed, reason: .mismatch,
            message: "$.text: expected `a | b`, got \"a\\|b\" *not* <i>this</i>\nsecond line", location: SampleRun.loc(140, 9)))
        let text = MarkdownReport.render(run, context: SampleRun.context)
        let row = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("| step 9: GET a\\|b |") }, "\(text)")
        #expect(row.contains("| $.text: expected \\`a \\| b\\`, got \"a\\\\\\|b\" \\*not\\* \\<i\\>this\\</i\\> second line |"), "\(row)")
        #expect(Self.cellDelimiters(row) == 8, "\(row)")
        #expect(text.contains("#### ❌ accepted offer › step 9: GET a\\|b › body \\[mismatch\\]"))
    }

    @Test("evidence keeps control characters visible, long frames clipped, and a fence longer than any backticks inside")
    func evidenceBlocks() throws {
        let partial = MarkdownReport.render(SampleRun.partial, context: SampleRun.context)
        #expect(partial.contains(#"\u0000\u001B[31m\uFFFEend"#))
        #expect(!partial.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })

        var run = SampleRun.result
        let long = "{\"blob\":\"" + String(repeating: "x", count: 5000) + "\"}"
        run.contracts[0].verdicts[1].evidence = [Evidence(role: .unexpected, actor: "seller[0]", channel: "inbox", text: long),
                                                 Evidence(role: .matched, actor: "seller[1]", text: "````fenced````")]
        let text = MarkdownReport.render(run, context: SampleRun.context)
        let line = try #require(text.components(separatedBy: "\n").first { $0.hasPrefix("unexpected · seller[0] · inbox: ") })
        #expect(line.count < 260 && line.hasSuffix("…"), "\(line.count) characters")
        #expect(text.contains("`````text\nunexpected · seller[0]"), "a fence of five backticks")
        #expect(text.contains("matched · seller[1]: ````fenced````\n`````\n"))
    }
}

extension MarkdownReportTests {
    /// The percentiles of the latency section.
    @Suite("percentiles")
    struct PercentileTests {
        @Test("nearest rank: every figure is a measured value")
        func nearestRank() {
            let hundred = (1...100).map(Double.init)
            #expect(Percentiles.nearestRank(hundred, 50) == 50)
            #expect(Percentiles.nearestRank(hundred, 95) == 95)
            #expect(Percentiles.nearestRank(hundred, 100) == 100)
            #expect(Percentiles.nearestRank(hundred, 0) == 1)
            #expect(Percentiles.nearestRank([7], 95) == 7)
            #expect(Percentiles.nearestRank([1, 2], 50) == 1)
            #expect(Percentiles.nearestRank([1, 2, 3], 50) == 2)
            #expect(Percentiles.nearestRank([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == 10)
        }

        @Test("a summary sorts, ignores values that are not finite, and is nil for none")
        func summary() throws {
            let s = try #require(LatencySummary([30, .nan, 2.6, 12, .infinity, 4]))
            #expect(s == LatencySummary(count: 4, p50: 4, p95: 30, max: 30))
            #expect(LatencySummary([]) == nil)
            #expect(LatencySummary([.nan]) == nil)
        }
    }
}
