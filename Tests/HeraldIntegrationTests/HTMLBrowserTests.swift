import Foundation
import HeraldCore
import HeraldReport
import Testing

/// `report.html` opened in a real browser (headless Chromium): the page parses, its script runs, and the DOM the
/// browser builds holds the recipient matrix and the lanes, and nothing a frame smuggled in.
@Suite("report.html in Chromium", .serialized)
struct HTMLBrowserTests {
    static let chromium = "/usr/bin/chromium"

    @Test("the wrong-recipient demo's report: the matrix cell for seller[0] and a lane per actor and channel")
    func demoReport() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("report")
        let run = try await herald(["demo", "--defect", "wrong-recipient", "--report", out.path, "--format", "html"])
        #expect(run.status == 1, "the defect fails the run\n\(run)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["report.html"], "--format html writes only the page")

        let dom = try await Self.dumpDOM(out.appendingPathComponent("report.html"), profile: dir.appendingPathComponent("profile"))
        #expect(dom.contains(#"data-js="ready""#), "the page's script ran")

        // The matrix: seller[0] got seller[1]'s notification.
        let wrong = try #require(dom.firstMatch(of: /<td class="cell wrong-recipient" data-actor="seller\[0\]" data-event="([^"]+)"/),
                                 "no wrong-recipient cell for seller[0] in:\n\(Self.excerpt(dom, around: "matrix"))")
        let event = String(wrong.output.1)
        #expect(event.contains("recipients"), "\(event)")
        #expect(dom.contains(#"<td class="cell received" data-actor="seller[1]" data-event="\#(event)""#), "seller[1] received it as it should")
        #expect(!dom.contains(#"<td class="cell wrong-recipient" data-actor="seller[1]""#))

        // The lanes: HTTP and inbox for every actor, the stray frame marked in seller[0]'s inbox lane.
        for actor in ["buyer", "seller[0]", "seller[1]", "seller[2]"] {
            #expect(dom.contains(#"data-lane="\#(actor) http" data-kind="http" data-actor="\#(actor)""#), "\(actor) has an HTTP lane")
            #expect(dom.contains(#"data-lane="\#(actor) inbox" data-kind="channel" data-actor="\#(actor)" data-channel="inbox""#),
                    "\(actor) has an inbox lane")
        }
        let lane = try #require(dom.range(of: #"data-lane="seller[0] inbox""#))
        let next = dom.range(of: #"<div class="lane "#, range: lane.upperBound..<dom.endIndex)?.lowerBound ?? dom.endIndex
        #expect(dom[lane.lowerBound..<next].contains(#"class="item frame recv wrong-recipient"#), "the stray frame in seller[0]'s lane")
        #expect(dom.contains(#"class="item verdict failed""#), "the failed verdict on the timeline")
        #expect(dom.contains("POST /offers/o-"), "the accept request in the buyer's HTTP lane")
    }

    @Test("a hostile frame stays text in the browser: no script of its own runs, no element of its own appears")
    func hostileFrame() async throws {
        let dir = try Paths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hostile = #"</script><script>document.body.setAttribute('data-pwned','1')</script><img src=x onerror="document.body.setAttribute('data-pwned','2')"><!--"#
        let origin = MonotonicInstant(nanoseconds: 5_000_000_000)
        func at(_ ms: Int64) -> MonotonicInstant { origin.advanced(by: .milliseconds(ms)) }
        let actor = #"mallory"><i id="injected">"#
        let timeline = [
            TimelineEntry(seq: 0, at: at(1), actor: actor, channel: "inbox", event: .connected(ConnectionRecord(url: "ws://127.0.0.1:1/ws"))),
            TimelineEntry(seq: 1, at: at(2), actor: actor, channel: nil, event: .step(StepRecord(label: hostile, location: nil))),
            TimelineEntry(seq: 2, at: at(3), actor: actor, channel: "inbox", event: .frame(FrameRecord(text: hostile, json: nil))),
        ]
        let verdict = Verdict(id: "x › step 1 › recipients #1", contract: "x", step: hostile, kind: .recipients, outcome: .failed,
                              reason: .wrongRecipient, message: "{type: x}: wrong recipient: \(actor) also received it (at +1 ms: \(hostile))",
                              evidence: [Evidence(role: .unexpected, actor: actor, channel: "inbox", seq: 2, sinceTriggerMs: 1, text: hostile,
                                                  differences: [FieldDifference(path: hostile, expected: hostile, actual: hostile)])])
        let result = RunResult(contracts: [ContractResult(name: hostile, file: "x.yaml", location: SourceLocation(file: "x.yaml", line: 1, column: 1),
                                                          verdicts: [verdict], timeline: timeline, origin: origin, duration: .milliseconds(10),
                                                          infrastructureError: hostile, interrupted: false, actors: [actor])],
                               interrupted: false, skipped: [hostile], strict: false)
        let page = dir.appendingPathComponent("report.html")
        try HTMLReport(path: page.path).write(result, context: ReportContext(runID: hostile, startedAt: hostile, version: hostile))

        let dom = try await Self.dumpDOM(page, profile: dir.appendingPathComponent("profile"))
        #expect(dom.contains(#"data-js="ready""#), "the page's own script still ran")
        let body = try #require(dom.firstMatch(of: /<body[^>]*>/)).output
        #expect(!body.contains("data-pwned"), "the frame's script never ran: \(body)")
        #expect(!dom.contains("<img"), "the frame's image never became an element")
        #expect(!dom.contains("<i id="), "the actor's name never became an element")
        #expect(dom.contains("&lt;/script&gt;&lt;script&gt;document.body.setAttribute"), "the frame is there, as text")
        #expect(dom.contains(#"<td class="cell wrong-recipient" data-actor="mallory&quot;&gt;&lt;i id=&quot;injected&quot;&gt;""#)
                    || dom.contains(#"<td class="cell wrong-recipient" data-actor="mallory&quot;><i id=&quot;injected&quot;>""#),
                "the matrix cell, its attribute intact:\n\(Self.excerpt(dom, around: "cell wrong-recipient"))")
    }

    // MARK: running Chromium

    /// The DOM Chromium builds for `page` after its scripts ran (`--dump-dom`).
    static func dumpDOM(_ page: URL, profile: URL) async throws -> String {
        guard FileManager.default.isExecutableFile(atPath: chromium) else {
            throw SetupFailure("\(chromium) not found: install chromium: apt-get install chromium")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
                             "--user-data-dir=\(profile.path)", "--dump-dom", page.absoluteURL.absoluteString]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let stdout = PipeCollector(out.fileHandleForReading), stderr = PipeCollector(err.fileHandleForReading)
        try ChildProcess.launch(process)
        if await !ChildProcess.wait(for: process, timeout: .seconds(60)) {
            ChildProcess.stop(process)
            Issue.record("chromium --dump-dom still ran after 60 s: stopped")
        }
        let dom = stdout.finish(), log = stderr.finish()
        #expect(process.terminationStatus == 0, "chromium exited \(process.terminationStatus)\n\(log)")
        guard dom.contains("</html>") else {
            throw SetupFailure("chromium printed no DOM for \(page.path):\n\(dom)\n--- stderr\n\(log)")
        }
        return dom
    }

    static func excerpt(_ text: String, around needle: String) -> String {
        guard let r = text.range(of: needle) else { return String(text.prefix(2000)) }
        let start = text.index(r.lowerBound, offsetBy: -300, limitedBy: text.startIndex) ?? text.startIndex
        let end = text.index(r.upperBound, offsetBy: 1500, limitedBy: text.endIndex) ?? text.endIndex
        return String(text[start..<end])
    }
}
