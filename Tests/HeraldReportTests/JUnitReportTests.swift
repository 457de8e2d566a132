import Foundation
import HeraldContract
import HeraldCore
@testable import HeraldReport
import Testing

/// `junit.xml`: read back with Python's XML parser (so the assertions see what a CI server sees, escaping
/// included), and validated against Tests/Fixtures/junit/junit.xsd with `xmlschema`.
@Suite("junit.xml")
struct JUnitReportTests {
    static let xsd = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/junit/junit.xsd")

    // MARK: - Structure

    @Test("totals, a testsuite per contract and a testcase per expectation")
    func structure() async throws {
        let doc = try await JUnitDocument.parse(JUnitReport.render(SampleRun.result, context: SampleRun.context))
        #expect(doc.tag == "testsuites")
        #expect(doc.attributes["name"] == "herald")
        #expect(doc.attributes["tests"] == "6", "5 expectations and 1 infrastructure error")
        #expect(doc.attributes["failures"] == "2")
        #expect(doc.attributes["errors"] == "1")
        #expect(doc.attributes["skipped"] == "1")
        #expect(doc.attributes["time"] == "1.24")
        try #require(doc.suites.count == 2)

        let offer = doc.suites[0]
        #expect(offer.attributes["name"] == "accepted offer")
        #expect(offer.attributes["file"] == SampleRun.file)
        #expect(offer.attributes["tests"] == "5")
        #expect(offer.attributes["failures"] == "2")
        #expect(offer.attributes["errors"] == "0")
        #expect(offer.attributes["skipped"] == "1")
        #expect(offer.attributes["time"] == "1.2")
        #expect(offer.attributes["timestamp"] == SampleRun.context.startedAt)
        #expect(offer.properties["herald.version"] == "0.1.0")
        #expect(offer.properties["run.id"] == "r1a2b3")
        #expect(offer.properties["partial"] == "true", "an infrastructure error makes the run partial")

        try #require(offer.cases.count == SampleRun.verdicts.count, "one testcase per verdict")
        for (tc, v) in zip(offer.cases, SampleRun.verdicts) {
            #expect(tc.attributes["classname"] == "accepted offer")
            #expect(tc.attributes["file"] == v.location?.file)
            #expect(tc.attributes["line"] == v.location.map { String($0.line) })
            #expect(tc.attributes["name"]?.hasPrefix("\(v.step) › \(v.kind.rawValue)") == true, "\(tc.attributes)")
        }
        #expect(offer.cases.map(\.outcome) == ["passed", "failure", "skipped", "failure", "passed"])
        #expect(offer.cases.map { $0.attributes["name"] ?? "" } == [
            "step 6: buyer accepts seller 1's offer › status",
            "step 6: buyer accepts seller 1's offer › recipients #1",
            "step 6: buyer accepts seller 1's offer › count",
            "step 8: buyer pays › sequence",
            "step 6: buyer accepts seller 1's offer › recipients #2",
        ], "names are unique in a suite and do not depend on the outcome")
        #expect(offer.cases.map { $0.attributes["time"] ?? "" } == ["0", "0.0026", "0", "0", "0.03"], "latency in seconds")
    }

    @Test("a wrong-recipient failure carries the message, the astray frame and its actor")
    func failureEvidence() async throws {
        let doc = try await JUnitDocument.parse(JUnitReport.render(SampleRun.result, context: SampleRun.context))
        let recipients = try #require(doc.suites.first?.cases[1])
        #expect(recipients.outcome == "failure")
        #expect(recipients.type == "wrong-recipient")
        #expect(recipients.message == SampleRun.verdicts[1].message)
        let text = try #require(recipients.text)
        #expect(text.contains("wrong recipient: seller[0] also received it"))
        #expect(text.contains("at contracts/accepted-offer.yaml:99:9"))
        #expect(text.contains("unexpected · seller[0] · inbox · +5.7 ms: \(SampleRun.accepted)"), "\(text)")
        #expect(text.contains("matched · seller[1] · inbox · +2.6 ms: \(SampleRun.accepted)"), "\(text)")

        let sequence = try #require(doc.suites.first?.cases[3])
        #expect(sequence.type == "missing")
        #expect(sequence.text?.contains("nearest · buyer · inbox · +30 ms: \(SampleRun.processing)") == true)
        #expect(sequence.text?.contains("$.type: expected payment.succeeded, got payment.processing") == true,
                "the field differences of the nearest frame")
    }

    @Test("a known gap is skipped with its ticket; an infrastructure error is an error testcase")
    func knownGapAndInfrastructure() async throws {
        let doc = try await JUnitDocument.parse(JUnitReport.render(SampleRun.result, context: SampleRun.context))
        let gap = try #require(doc.suites.first?.cases[2])
        #expect(gap.outcome == "skipped")
        #expect(gap.message?.hasPrefix("known gap BUG-42: expected 1 × {type: offer.accepted}, got 2") == true, "\(gap)")

        let health = try #require(doc.suites.last)
        #expect(health.attributes["name"] == "health")
        #expect(health.attributes["tests"] == "1")
        #expect(health.attributes["errors"] == "1")
        #expect(health.attributes["failures"] == "0")
        let infra = try #require(health.cases.first)
        #expect(infra.attributes["name"] == "infrastructure")
        #expect(infra.attributes["classname"] == "health")
        #expect(infra.attributes["file"] == "contracts/health.yaml")
        #expect(infra.outcome == "error")
        #expect(infra.type == "infrastructure")
        #expect(infra.message == "cannot connect to http://127.0.0.1:9/health: connection refused")
    }

    @Test("an interrupted run: partial=true, the interrupt as an error, unjudged expectations and unrun contracts skipped")
    func interruptedRun() async throws {
        let doc = try await JUnitDocument.parse(JUnitReport.render(SampleRun.partial, context: SampleRun.context))
        #expect(doc.attributes["tests"] == "6", "3 expectations, the interrupt and 2 unrun contracts")
        #expect(doc.attributes["failures"] == "1")
        #expect(doc.attributes["errors"] == "1")
        #expect(doc.attributes["skipped"] == "3")
        try #require(doc.suites.count == 3)
        for suite in doc.suites {
            #expect(suite.properties["partial"] == "true")
            #expect(suite.properties["interrupted"] == "true")
        }
        let cases = doc.suites[0].cases
        #expect(cases.map(\.outcome) == ["passed", "failure", "skipped", "error"])
        #expect(cases[2].message == "not run: the run was interrupted before this was judged")
        #expect(cases[3].attributes["name"] == "interrupted")
        #expect(cases[3].message?.contains("interrupted (Ctrl-C)") == true)
        #expect(doc.suites[1].attributes["name"] == "later contract")
        #expect(doc.suites[1].cases.first?.outcome == "skipped")
        #expect(doc.suites[1].cases.first?.message?.hasPrefix("not run:") == true)

        // Interrupted between two contracts: the first one it kept from starting carries the error.
        var between = SampleRun.partial
        between.contracts[0].interrupted = false
        let doc2 = try await JUnitDocument.parse(JUnitReport.render(between, context: SampleRun.context))
        #expect(doc2.suites[1].cases.first?.outcome == "error")
        #expect(doc2.suites[2].cases.first?.outcome == "skipped")
        #expect(doc2.attributes["errors"] == "1")

        // --fail-fast: not run, no error, and not partial by interrupt.
        let failFast = RunResult(contracts: SampleRun.contracts, interrupted: false, skipped: ["later contract"], strict: false)
        let doc3 = try await JUnitDocument.parse(JUnitReport.render(failFast, context: SampleRun.context))
        #expect(doc3.suites.last?.cases.first?.message == "not run: --fail-fast stopped the run before this contract")
        #expect(doc3.suites.last?.properties["interrupted"] == nil)
    }

    @Test("frames with markup, quotes, line breaks and characters XML forbids come back as written, or visibly replaced")
    func escaping() async throws {
        let xml = JUnitReport.render(SampleRun.partial, context: SampleRun.context)
        #expect(!xml.unicodeScalars.contains { !JUnitReport.isAllowedInXML($0) })
        let doc = try await JUnitDocument.parse(xml)
        let failure = try #require(doc.suites.first?.cases[1])
        let text = try #require(failure.text)
        #expect(text.contains(#"{"note":"<b>&amp; 'x' \"y\" ]]> | `z`"}"#), "\(text)")
        #expect(text.contains(#"\u0000\u001B[31m\uFFFEend"#), "NUL, ESC and U+FFFE replaced visibly: \(text)")
        #expect(text.contains("$.type: expected order.created, got nothing (missing)"))
        #expect(failure.message == SampleRun.partial.contracts[0].verdicts[1].message, "the line break of an attribute survives")
        #expect(doc.suites[0].cases[0].attributes["name"] == "step 1: create <order> › status")
    }

    @Test("seconds are plain decimals")
    func seconds() {
        #expect(JUnitReport.seconds(2.6) == "0.0026")
        #expect(JUnitReport.seconds(1200) == "1.2")
        #expect(JUnitReport.seconds(30_000) == "30")
        #expect(JUnitReport.seconds(0) == "0")
        #expect(JUnitReport.seconds(1e-9) == "0")
        #expect(JUnitReport.seconds(.nan) == "0")
    }

    // MARK: - Schema

    @Test("validates against the Jenkins/Ant JUnit schema (xmlschema)")
    func validatesAgainstSchema() async throws {
        let odd = ReportContext(runID: "r", startedAt: "yesterday", version: "0")
        let valid: [(String, String)] = [
            ("the sample run", JUnitReport.render(SampleRun.result, context: SampleRun.context)),
            ("the interrupted run", JUnitReport.render(SampleRun.partial, context: SampleRun.context)),
            ("an empty run", JUnitReport.render(RunResult(contracts: [], interrupted: false, skipped: [], strict: true),
                                                context: SampleRun.context)),
            // A start time the schema would refuse is left out rather than written.
            ("a run with an odd start time", JUnitReport.render(SampleRun.result, context: odd)),
            ("a load run with a broken threshold", try Self.loadRun()),
        ]
        #expect(!valid[3].1.contains("timestamp="))
        // Not vacuous: the schema rejects a testcase without a name and a time that is not a number.
        let sample = valid[0].1
        let invalid = [
            sample.replacingOccurrences(of: "<testcase name=\"infrastructure\"", with: "<testcase"),
            sample.replacingOccurrences(of: "time=\"0.0026\"", with: "time=\"2.6 ms\""),
        ]
        #expect(invalid[0] != sample && invalid[1] != sample)

        let results = try await validate(valid.map(\.1) + invalid)
        for ((name, _), (ok, output)) in zip(valid, results) {
            #expect(ok, "junit.xml of \(name) does not match Tests/Fixtures/junit/junit.xsd:\n\(output)")
        }
        #expect(results.suffix(2).map(\.0) == [false, false], "the schema accepts what it should not: \(results.suffix(2))")
    }

    /// junit.xml of a load run of two levels whose second breaks a threshold.
    static func loadRun() throws -> String {
        let result = LoadResult(levels: [LoadReportTests.level], interrupted: false, stoppedEarly: false, strict: false)
        let context = ReportContext(runID: "r1", startedAt: "2026-12-05T00:00:00Z", version: "0.1.0",
                                    load: .init(result: result, thresholds: [try Threshold("wrong_recipients==0")]))
        return JUnitReport.render(result.runResult, context: context)
    }

    /// Validates each of `documents` against junit.xsd with one run of Python; returns for each whether it is valid
    /// and, when not, why.
    func validate(_ documents: [String]) async throws -> [(Bool, String)] {
        let files = try documents.map { try TemporaryFile($0) }
        defer { for f in files { f.remove() } }
        let script = """
            import json, sys
            try:
                import xmlschema
            except ImportError:
                print("MISSING-XMLSCHEMA")
                sys.exit(3)
            schema = xmlschema.XMLSchema(sys.argv[1])
            for path in sys.argv[2:]:
                try:
                    schema.validate(path)
                    print(json.dumps([True, "valid"]))
                except Exception as e:
                    print(json.dumps([False, str(e)]))
            """
        let run = try await Python.run(script, [Self.xsd.path] + files.map(\.path))
        if run.stdout.contains("MISSING-XMLSCHEMA") {
            throw PythonFailure("the Python module xmlschema is missing: python3 -m pip install xmlschema (scripts/setup does it)")
        }
        let lines = run.stdout.split(separator: "\n")
        guard run.status == 0, lines.count == documents.count else {
            throw PythonFailure("xmlschema could not check junit.xml (status \(run.status)):\n\(run.stdout)\(run.stderr)")
        }
        return try lines.map { line in
            let pair = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [Any]
            return (pair?.first as? Bool ?? false, pair?.last as? String ?? String(line))
        }
    }
}

// MARK: - Reading the XML back

/// junit.xml as Python's `xml.etree` reads it.
private struct JUnitDocument: Decodable {
    var tag: String
    var attributes: [String: String]
    var suites: [Suite]

    struct Suite: Decodable {
        var attributes: [String: String]
        var properties: [String: String]
        var cases: [Case]
    }

    struct Case: Decodable, CustomStringConvertible {
        var attributes: [String: String]
        /// `passed`, `failure`, `error` or `skipped`.
        var outcome: String
        var message: String?
        var type: String?
        var text: String?
        var out: String?
        var description: String { "\(attributes) \(outcome) \(message ?? "") \(text ?? "")" }
    }

    static func parse(_ xml: String) async throws -> JUnitDocument {
        let file = try TemporaryFile(xml)
        defer { file.remove() }
        let script = """
            import json, sys
            import xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            def case(tc):
                d = {"attributes": dict(tc.attrib), "outcome": "passed"}
                for tag in ("failure", "error", "skipped"):
                    e = tc.find(tag)
                    if e is not None:
                        d.update(outcome=tag, message=e.get("message"), type=e.get("type"), text=e.text)
                out = tc.find("system-out")
                d["out"] = None if out is None else out.text
                return d
            print(json.dumps({
                "tag": root.tag,
                "attributes": dict(root.attrib),
                "suites": [{
                    "attributes": dict(s.attrib),
                    "properties": {p.get("name"): p.get("value") for p in s.findall("properties/property")},
                    "cases": [case(tc) for tc in s.findall("testcase")],
                } for s in root.findall("testsuite")],
            }))
            """
        let run = try await Python.run(script, [file.path])
        guard run.status == 0 else { throw PythonFailure("junit.xml does not parse:\n\(run.stderr)\n\(xml)") }
        return try JSONDecoder().decode(JUnitDocument.self, from: Data(run.stdout.utf8))
    }
}

/// A check done with Python could not be made.
private struct PythonFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs `python3 -c`, through `ChildProcess` (never `waitUntilExit()`).
private enum Python {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ script: String, _ arguments: [String], limit: Duration = .seconds(60)) async throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let outReader = Task { await ChildProcess.readToEnd(out.fileHandleForReading) }
        let errReader = Task { await ChildProcess.readToEnd(err.fileHandleForReading) }
        do {
            try ChildProcess.launch(process)
        } catch {
            throw PythonFailure("cannot start python3 (\(error)): install Python 3 (scripts/setup)")
        }
        if await !ChildProcess.wait(for: process, timeout: limit) {
            ChildProcess.stop(process)
            throw PythonFailure("python3 did not finish within \(limit)")
        }
        let stdout = String(decoding: await outReader.value, as: UTF8.self)
        let stderr = String(decoding: await errReader.value, as: UTF8.self)
        return Run(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

/// A file in the temporary folder holding some text, removed by ``remove()``.
private struct TemporaryFile {
    var path: String

    init(_ text: String, suffix: String = ".xml") throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-\(UUID().uuidString)\(suffix)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
