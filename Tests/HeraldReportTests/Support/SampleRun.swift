import HeraldCore
import HeraldReport

/// A hand-built run for report tests: one contract with a wrong-recipient failure, a missing event with its nearest
/// frame, a known gap and passing checks; one contract stopped by an infrastructure error.
enum SampleRun {
    static let origin = MonotonicInstant(nanoseconds: 1_000_000_000)
    static func at(_ ms: Double) -> MonotonicInstant { origin.advanced(by: .microseconds(Int64(ms * 1000))) }
    static let file = "contracts/accepted-offer.yaml"
    static func loc(_ line: Int, _ column: Int) -> SourceLocation { SourceLocation(file: file, line: line, column: column) }

    static let accepted = #"{"id":"n-5","relatedId":"o-7","type":"offer.accepted","userId":"u-3"}"#
    static let processing = #"{"id":"n-8","relatedId":"ord-8","type":"payment.processing"}"#

    static let timeline: [TimelineEntry] = [
        TimelineEntry(seq: 0, at: at(1), actor: "buyer", channel: "inbox", event: .connected(ConnectionRecord(url: "ws://127.0.0.1:8080/ws/notifications"))),
        TimelineEntry(seq: 1, at: at(1.5), actor: "seller[0]", channel: "inbox", event: .connected(ConnectionRecord(url: "ws://127.0.0.1:8080/ws/notifications"))),
        TimelineEntry(seq: 2, at: at(2), actor: "seller[1]", channel: "inbox", event: .connected(ConnectionRecord(url: "ws://127.0.0.1:8080/ws/notifications"))),
        TimelineEntry(seq: 3, at: at(10), actor: "buyer", channel: nil, event: .step(StepRecord(label: "step 6: buyer accepts seller 1's offer", location: loc(90, 5)))),
        TimelineEntry(seq: 4, at: at(10.2), actor: "buyer", channel: nil, event: .request(RequestRecord(
            method: "POST", url: "http://127.0.0.1:8080/offers/o-7/accept",
            headers: [RecordedHeader(name: "Authorization", value: "•••")], body: nil))),
        TimelineEntry(seq: 5, at: at(14), actor: "buyer", channel: nil, event: .response(ResponseRecord(
            requestSeq: 4, status: 200, headers: [RecordedHeader(name: "Content-Type", value: "application/json")],
            body: #"{"status":"ACCEPTED","orderId":"ord-8"}"#,
            timing: TimingRecord(dnsMs: 0.1, connectMs: 0.3, tlsMs: 0, firstByteMs: 3.5, totalMs: 3.8)))),
        TimelineEntry(seq: 6, at: at(12.6), actor: "seller[1]", channel: "inbox", event: .frame(FrameRecord(text: accepted, json: nil))),
        TimelineEntry(seq: 7, at: at(15.7), actor: "seller[0]", channel: "inbox", event: .frame(FrameRecord(text: accepted, json: nil))),
        TimelineEntry(seq: 8, at: at(40), actor: "buyer", channel: "inbox", event: .frame(FrameRecord(text: processing, json: nil))),
        TimelineEntry(seq: 9, at: at(1100), actor: nil, channel: nil, event: .note("cleanup")),
    ]

    static let verdicts: [Verdict] = [
        Verdict(id: "accepted offer › step 6 › status", contract: "accepted offer", step: "step 6: buyer accepts seller 1's offer",
                kind: .status, outcome: .passed, message: "status 200", location: loc(93, 15)),
        Verdict(id: "accepted offer › step 6 › recipients #1", contract: "accepted offer", step: "step 6: buyer accepts seller 1's offer",
                kind: .recipients, outcome: .failed, reason: .wrongRecipient,
                message: "{type: offer.accepted, relatedId: o-7}: wrong recipient: seller[0] also received it",
                location: loc(99, 9),
                evidence: [
                    Evidence(role: .unexpected, actor: "seller[0]", channel: "inbox", seq: 7, sinceTriggerMs: 5.7, text: accepted),
                    Evidence(role: .matched, actor: "seller[1]", channel: "inbox", seq: 6, sinceTriggerMs: 2.6, text: accepted),
                ],
                latencyMs: 2.6),
        Verdict(id: "accepted offer › step 6 › count #2", contract: "accepted offer", step: "step 6: buyer accepts seller 1's offer",
                kind: .count, outcome: .knownGap, reason: .duplicate, message: "expected 1 × {type: offer.accepted}, got 2",
                location: loc(103, 9), knownGap: "BUG-42",
                evidence: [Evidence(role: .unexpected, actor: "seller[1]", channel: "inbox", seq: 6, sinceTriggerMs: 2.6, text: accepted)]),
        Verdict(id: "accepted offer › step 8 › sequence #1", contract: "accepted offer", step: "step 8: buyer pays",
                kind: .sequence, outcome: .failed, reason: .missing,
                message: "sequence broke at event 2 of 2 for buyer: no {type: payment.succeeded} within 1s",
                location: loc(127, 9),
                evidence: [Evidence(role: .nearest, actor: "buyer", channel: "inbox", seq: 8, sinceTriggerMs: 30, text: processing,
                                    differences: [FieldDifference(path: "$.type", expected: "payment.succeeded", actual: "payment.processing")])]),
        Verdict(id: "accepted offer › step 6 › recipients #3", contract: "accepted offer", step: "step 6: buyer accepts seller 1's offer",
                kind: .recipients, outcome: .passed, message: "{type: order.created} reached buyer",
                location: loc(110, 9),
                evidence: [Evidence(role: .matched, actor: "buyer", channel: "inbox", seq: 8, sinceTriggerMs: 30, text: processing)],
                latencyMs: 30),
    ]

    static let contracts: [ContractResult] = [
        ContractResult(name: "accepted offer", file: file, location: loc(1, 11), verdicts: verdicts, timeline: timeline,
                       origin: origin, duration: .milliseconds(1200), infrastructureError: nil, interrupted: false,
                       actors: ["buyer", "seller[0]", "seller[1]"]),
        ContractResult(name: "health", file: "contracts/health.yaml", location: SourceLocation(file: "contracts/health.yaml", line: 1, column: 11),
                       verdicts: [], timeline: [], origin: origin, duration: .milliseconds(40),
                       infrastructureError: "cannot connect to http://127.0.0.1:9/health: connection refused",
                       interrupted: false, actors: []),
    ]

    static let result = RunResult(contracts: contracts, interrupted: false, skipped: [], strict: false)
    static let context = ReportContext(runID: "r1a2b3", startedAt: "2026-11-22T10:00:00Z", version: "0.1.0")
}

extension SampleRun {
    /// A frame with everything a report must escape: markup, quotes, an entity, a CDATA end, line breaks, a tab,
    /// NUL, ESC and U+FFFE (the last three are not allowed in XML 1.0).
    static let hostile = "{\"note\":\"<b>&amp; 'x' \\\"y\\\" ]]> | `z`\"}\n\ttab\r\u{0}\u{1B}[31m\u{FFFE}end"

    /// A run interrupted (Ctrl-C) in its first contract, which has a passed, a failed and a not-run expectation,
    /// with two contracts left unrun.
    static let partial: RunResult = {
        let verdicts = [
            Verdict(id: "interrupted offer › step 1 › status", contract: "interrupted offer", step: "step 1: create <order>",
                    kind: .status, outcome: .passed, message: "status 201", location: loc(20, 15)),
            Verdict(id: "interrupted offer › step 1 › match #1", contract: "interrupted offer", step: "step 1: create <order>",
                    kind: .match, outcome: .failed, reason: .mismatch,
                    message: "no {type: \"order.created\"} & <nothing> close:\nsee the nearest frame",
                    location: loc(24, 9),
                    evidence: [Evidence(role: .nearest, actor: "buyer", channel: "inbox", seq: 2, sinceTriggerMs: 4.25, text: hostile,
                                        differences: [FieldDifference(path: "$.type", expected: "order.created", actual: nil)])]),
            Verdict(id: "interrupted offer › step 2 › poll", contract: "interrupted offer", step: "step 2: a long wait",
                    kind: .poll, outcome: .notRun, reason: .interrupted, message: "the run was interrupted before this was judged",
                    location: loc(30, 5)),
        ]
        let contract = ContractResult(name: "interrupted offer", file: file, location: loc(1, 11), verdicts: verdicts, timeline: [],
                                      origin: origin, duration: .milliseconds(2500), infrastructureError: nil, interrupted: true,
                                      actors: ["buyer"])
        return RunResult(contracts: [contract], interrupted: true, skipped: ["later contract", "last contract"], strict: false)
    }()
}

// Added for the HTML report tests: text that must never become markup.
extension SampleRun {
    /// A frame that tries to close the page's script, start its own, and load an image from the network.
    static let htmlHostileText = #"</script><script>window.pwned=1</script><img src="https://evil.example/x.png" onerror="window.pwned=2">'&amp;"#

    /// A run whose names, URLs, frames, bodies, messages and differences are all hostile.
    static let htmlHostile: RunResult = {
        let actor = #"eve"><b>bold</b>"#
        let channel = "in<box>"
        let label = "step 1: <svg onload=alert(1)>"
        let timeline: [TimelineEntry] = [
            TimelineEntry(seq: 0, at: at(1), actor: actor, channel: channel, event: .connected(ConnectionRecord(url: "wss://evil.example/ws?x=<script>"))),
            TimelineEntry(seq: 1, at: at(2), actor: actor, channel: nil, event: .step(StepRecord(label: label, location: nil))),
            TimelineEntry(seq: 2, at: at(3), actor: actor, channel: nil, event: .request(RequestRecord(
                method: "POST", url: "https://evil.example/a?<script>=1", headers: [RecordedHeader(name: "X-<i>", value: htmlHostileText)],
                body: htmlHostileText))),
            TimelineEntry(seq: 3, at: at(5), actor: actor, channel: nil, event: .response(ResponseRecord(
                requestSeq: 2, status: 500, headers: [], body: htmlHostileText,
                timing: TimingRecord(dnsMs: 0, connectMs: 0.1, tlsMs: 0.5, firstByteMs: 1.5, totalMs: 2)))),
            TimelineEntry(seq: 4, at: at(6), actor: actor, channel: channel, event: .frame(FrameRecord(text: htmlHostileText, json: nil))),
            TimelineEntry(seq: 5, at: at(7), actor: actor, channel: channel, event: .sent(FrameRecord(text: htmlHostileText, json: nil))),
            TimelineEntry(seq: 6, at: at(8), actor: nil, channel: nil, event: .note(htmlHostileText)),
            TimelineEntry(seq: 7, at: at(9), actor: actor, channel: channel, event: .disconnected(DisconnectRecord(code: 1011, reason: htmlHostileText, expected: false))),
        ]
        let verdicts = [
            Verdict(id: "<x> › step 1 › recipients #1", contract: "<x>", step: label, kind: .recipients, outcome: .failed,
                    reason: .wrongRecipient, message: "{type: </script>}: wrong recipient: \(actor) also received it (at +4 ms: \(htmlHostileText))",
                    evidence: [Evidence(role: .unexpected, actor: actor, channel: channel, seq: 4, sinceTriggerMs: 4, text: htmlHostileText)]),
            Verdict(id: "<x> › step 1 › match #2", contract: "<x>", step: label, kind: .match, outcome: .failed, reason: .missing,
                    message: "no {type: x} arrived within 1s; nearest frame differed",
                    evidence: [Evidence(role: .nearest, actor: actor, channel: channel, seq: 4, sinceTriggerMs: 4, text: htmlHostileText,
                                        differences: [FieldDifference(path: "$['</script>']", expected: htmlHostileText, actual: htmlHostileText)])]),
        ]
        let contract = ContractResult(name: "<x> \(htmlHostileText)", file: "evil.yaml", location: SourceLocation(file: "<evil>.yaml", line: 1, column: 1),
                                      verdicts: verdicts, timeline: timeline, origin: origin, duration: .milliseconds(20),
                                      infrastructureError: htmlHostileText, interrupted: true, actors: [actor])
        return RunResult(contracts: [contract], interrupted: true, skipped: ["<skipped> \(htmlHostileText)"], strict: false)
    }()

    /// A context whose values are hostile too.
    static let htmlHostileContext = ReportContext(runID: "<run>", startedAt: htmlHostileText, version: "0.1.0\"><script>")
}
