import Foundation
import HeraldCore
@testable import HeraldReport
import Testing

/// `report.html` rendered from hand-built runs: the recipient matrix, the lanes, the diffs, the banner, escaping, and
/// that nothing on the page reaches for the network.
@Suite("report.html")
struct HTMLReportTests {
    static let html = HTMLReport.render(SampleRun.result, context: SampleRun.context)
    static let hostile = HTMLReport.render(SampleRun.htmlHostile, context: SampleRun.htmlHostileContext)

    // MARK: recipient matrix

    @Test("the matrix shows seller[0] as a wrong recipient and seller[1] as received for the accepted offer")
    func matrixWrongRecipient() throws {
        let row = "accepted offer › step 6 › recipients #1"
        let cells = Markup.tags(in: Self.html, named: "td").filter { ($0["class"] ?? "").hasPrefix("cell ") && $0["data-event"] == row }
        #expect(cells.map { $0["data-actor"] ?? "" } == ["buyer", "seller[0]", "seller[1]"], "one cell per actor, in order")
        let wrong = try #require(cells.first { $0["data-actor"] == "seller[0]" })
        #expect(wrong["class"] == "cell wrong-recipient")
        #expect(wrong["data-state"] == "wrong-recipient")
        #expect(wrong["title"]?.contains("was not meant to receive") == true)
        let received = try #require(cells.first { $0["data-actor"] == "seller[1]" })
        #expect(received["class"] == "cell received")
        #expect(cells.first { $0["data-actor"] == "buyer" }?["class"] == "cell none")
        // The cell links to the frame that went astray, on seller[0]'s lane.
        #expect(Self.html.contains(#"data-state="wrong-recipient" title="#))
        let cell = try #require(Self.html.range(of: #"<td class="cell wrong-recipient" data-actor="seller[0]""#))
        let end = try #require(Self.html.range(of: "</td>", range: cell.upperBound..<Self.html.endIndex))
        let rest = Self.html[cell.upperBound..<end.lowerBound]
        #expect(rest.contains(##"href="#c0-e7""##), "\(rest)")
        #expect(rest.contains(#"<span class="mark">⚠</span> wrong recipient <span class="t">+5.7 ms</span>"#))
    }

    @Test("the matrix has a row per event verdict, and none for status or sequence verdicts")
    func matrixRows() {
        let rows = Markup.tags(in: Self.html, named: "tr").compactMap { $0["data-event"] }
        #expect(rows == ["accepted offer › step 6 › recipients #1", "accepted offer › step 6 › count #2",
                         "accepted offer › step 6 › recipients #3"])
        let dup = Markup.tags(in: Self.html, named: "td").first { $0["data-event"] == "accepted offer › step 6 › count #2" && $0["data-actor"] == "seller[1]" }
        #expect(dup?["class"] == "cell duplicate", "a count with unexpected evidence is a duplicate, not a wrong recipient")
        let buyer = Markup.tags(in: Self.html, named: "td").first { $0["data-event"] == "accepted offer › step 6 › recipients #3" && $0["data-actor"] == "buyer" }
        #expect(buyer?["class"] == "cell received")
    }

    @Test("cells are inferred from evidence roles and the judge's messages")
    func matrixInference() {
        let actors = ["buyer", "seller[0]", "seller[1]", "seller[2]"]
        func states(_ v: Verdict) -> [String: String] { RecipientMatrix.cells(v, actors: actors).mapValues(\.state.rawValue) }
        let frame = #"{"type":"offer.accepted"}"#

        // As EventJudge words it: a wrong recipient first, then an intended recipient that got nothing.
        let recipients = Verdict(id: "r", contract: "c", step: "s", kind: .recipients, outcome: .failed, reason: .wrongRecipient,
                                 message: "{type: offer.accepted}: wrong recipient: seller[0] also received it (at +5 ms: \(frame)); seller[2] did not receive it within 1s",
                                 evidence: [Evidence(role: .unexpected, actor: "seller[0]", channel: "inbox", seq: 3, sinceTriggerMs: 5, text: frame),
                                            Evidence(role: .matched, actor: "seller[1]", channel: "inbox", seq: 2, sinceTriggerMs: 2, text: frame)])
        #expect(states(recipients) == ["seller[0]": "wrong-recipient", "seller[1]": "received", "seller[2]": "missing"])

        let late = Verdict(id: "r", contract: "c", step: "s", kind: .recipients, outcome: .failed, reason: .late,
                           message: "{type: offer.accepted}: seller[1] received it late, after 1500 ms (limit 1s)",
                           evidence: [Evidence(role: .matched, actor: "seller[1]", channel: "inbox", seq: 2, sinceTriggerMs: 1500, text: frame)])
        #expect(states(late) == ["seller[1]": "late"])

        let nearest = Verdict(id: "r", contract: "c", step: "s", kind: .recipients, outcome: .failed, reason: .missing,
                              message: "{type: offer.accepted}: buyer did not receive it within 1s",
                              evidence: [Evidence(role: .nearest, actor: "buyer", channel: "inbox", seq: 2, sinceTriggerMs: 3, text: "{}",
                                                  differences: [FieldDifference(path: "$.type", expected: "offer.accepted", actual: nil)])])
        let cells = RecipientMatrix.cells(nearest, actors: actors)
        #expect(cells.mapValues(\.state.rawValue) == ["buyer": "missing"])
        #expect(cells["buyer"]?.title.contains("$.type: expected offer.accepted") == true)

        let passed = Verdict(id: "r", contract: "c", step: "s", kind: .recipients, outcome: .passed,
                             message: "{type: offer.accepted} reached exactly seller[1], seller[2]",
                             evidence: [Evidence(role: .matched, actor: "seller[1]", seq: 1, sinceTriggerMs: 1),
                                        Evidence(role: .matched, actor: "seller[2]", seq: 2, sinceTriggerMs: 2)])
        #expect(states(passed) == ["seller[1]": "received", "seller[2]": "received"])

        let noFrame = Verdict(id: "m", contract: "c", step: "s", kind: .match, outcome: .failed, reason: .missing,
                              message: "no {type: x} arrived within 1s; no frame arrived on 'inbox' for seller[2]")
        #expect(states(noFrame) == ["seller[2]": "missing"])

        let duplicate = Verdict(id: "n", contract: "c", step: "s", kind: .count, outcome: .failed, reason: .duplicate,
                                message: "expected 1 × {type: x} for buyer within 1s, got 2",
                                evidence: [Evidence(role: .matched, actor: "buyer", seq: 1), Evidence(role: .unexpected, actor: "buyer", seq: 2)])
        let dupCells = RecipientMatrix.cells(duplicate, actors: actors)
        #expect(dupCells.mapValues(\.state.rawValue) == ["buyer": "duplicate"])
        #expect(dupCells["buyer"]?.detail == "×2")

        let absent = Verdict(id: "a", contract: "c", step: "s", kind: .absent, outcome: .failed, reason: .unexpected,
                             message: "{type: x} must not arrive within 1s, but it arrived to seller[2] after 3 ms",
                             evidence: [Evidence(role: .unexpected, actor: "seller[2]", seq: 4, sinceTriggerMs: 3, text: frame)])
        #expect(states(absent) == ["seller[2]": "unexpected"])

        let dropped = Verdict(id: "m", contract: "c", step: "s", kind: .match, outcome: .failed, reason: .connectionDropped,
                              message: "no {type: x} arrived within 1s; the connection of buyer on 'inbox' dropped at +3 ms (1006)",
                              evidence: [Evidence(role: .disconnect, actor: "buyer", channel: "inbox", sinceTriggerMs: 3, text: "1006")])
        #expect(states(dropped) == ["buyer": "dropped"])

        let sequence = Verdict(id: "q", contract: "c", step: "s", kind: .sequence, outcome: .failed, reason: .missing, message: "x",
                               evidence: [Evidence(role: .nearest, actor: "buyer", seq: 1)])
        #expect(states(sequence).isEmpty, "sequences are not rows of the matrix")
    }

    // MARK: swimlanes

    @Test("every actor has an HTTP lane and a lane per channel, on one axis")
    func lanes() throws {
        let lanes = Markup.tags(in: Self.html, named: "div").filter { ($0["class"] ?? "").hasPrefix("lane ") }
        let keys = lanes.compactMap { $0["data-lane"] }
        #expect(keys == ["steps", "verdicts", "buyer http", "buyer inbox", "seller[0] http", "seller[0] inbox",
                         "seller[1] http", "seller[1] inbox", "run"], "\(keys)")
        for actor in SampleRun.contracts[0].actors {
            #expect(lanes.contains { $0["data-actor"] == actor && $0["data-kind"] == "http" }, "\(actor) has an HTTP lane")
            #expect(lanes.contains { $0["data-actor"] == actor && $0["data-kind"] == "channel" && $0["data-channel"] == "inbox" },
                    "\(actor) has an inbox lane")
        }
        // Positions are % of the contract's 1200 ms.
        #expect(Self.html.contains(#"id="c0-e7" data-seq="7" style="left:1.308%;"#), "the frame at 15.7 ms")
        #expect(Self.html.contains(#"id="c0-e4" data-seq="4" style="left:0.850%;top:4px;--w:0.317%""#), "the request bar from 10.2 to 14 ms")
    }

    @Test("the wrong-recipient delivery is marked in seller[0]'s lane and nowhere else")
    func wrongRecipientInLane() throws {
        let seller0 = try #require(Markup.lane(Self.html, "seller[0] inbox"))
        let seller1 = try #require(Markup.lane(Self.html, "seller[1] inbox"))
        #expect(seller0.contains(#"class="item frame recv wrong-recipient"#), "\(seller0)")
        #expect(!seller1.contains(#"class="item frame recv wrong-recipient"#), "seller[1] was meant to receive it: \(seller1)")
        #expect(seller1.contains(#"class="item frame recv duplicate matched""#), "matched by the recipients verdict, a duplicate to the count")
        // Its text is shown on hover and when opened.
        #expect(seller0.contains(#"title="+15.7 ms · seller[0] · inbox received · WRONG RECIPIENT: {&quot;id&quot;:&quot;n-5&quot;"#))
        #expect(seller0.contains("&quot;type&quot;: &quot;offer.accepted&quot;"), "the frame, indented, in its panel")
    }

    @Test("requests show method, URL, status and the timing breakdown")
    func requests() throws {
        let lane = try #require(Markup.lane(Self.html, "buyer http"))
        #expect(lane.contains("POST /offers/o-7/accept 200"))
        #expect(lane.contains("→ 200 · total 3.8 ms (dns 0.1 ms, connect 0.3 ms, tls 0.0 ms, first byte 3.5 ms)"))
        #expect(lane.contains("<th>first byte</th>"))
        #expect(lane.contains("&quot;ACCEPTED&quot;"), "the response body")
    }

    @Test("verdicts sit at the time of their evidence, failed ones marked failed")
    func verdictLane() throws {
        let lane = try #require(Markup.lane(Self.html, "verdicts"))
        let items = Markup.tags(in: lane, named: "details")
        let wrong = try #require(items.first { $0["data-verdict"] == "accepted offer › step 6 › recipients #1" })
        #expect(wrong["class"] == "item verdict failed")
        #expect(wrong["style"]?.hasPrefix("left:1.308%") == true, "at seller[0]'s frame, 15.7 ms: \(wrong)")
        let status = try #require(items.first { $0["data-verdict"] == "accepted offer › step 6 › status" })
        #expect(status["class"] == "item verdict passed")
        #expect(status["style"]?.hasPrefix("left:1.167%") == true, "at the step's response, 14 ms: \(status)")
        let sequence = try #require(items.first { $0["data-verdict"] == "accepted offer › step 8 › sequence #1" })
        #expect(sequence["style"]?.hasPrefix("left:3.333%") == true, "at the nearest frame, 40 ms: \(sequence)")
    }

    // MARK: failures

    @Test("each failure has its evidence, and a nearest match its diff table")
    func nearestDiff() throws {
        let card = try #require(Markup.element(Self.html, from: #"<article class="card failed" id="c0-v3""#, to: "</article>"))
        #expect(card.contains(#"<table class="diff">"#))
        #expect(card.contains("<td><code>$.type</code></td><td class=\"exp\"><code>payment.succeeded</code></td><td class=\"act\"><code>payment.processing</code></td>"))
        #expect(card.contains("nearest match (buyer · inbox · +30.0 ms after the trigger)"))
        let wrong = try #require(Markup.element(Self.html, from: #"<article class="card failed" id="c0-v1""#, to: "</article>"))
        #expect(wrong.contains(#"<tr class="ev-wrong-recipient"><td>wrong-recipient</td><td>seller[0]</td>"#))
        #expect(wrong.contains(##"<a href="#c0-e7">+15.7 ms</a>"##), "evidence links to the timeline")
        let gap = try #require(Markup.element(Self.html, from: #"<article class="card known-gap" id="c0-v2""#, to: "</article>"))
        #expect(gap.contains("known gap BUG-42"))
    }

    // MARK: header

    @Test("the header shows status, run id, start time and totals, and a partial banner when the run stopped early")
    func header() {
        #expect(SampleRun.result.isPartial, "the sample's second contract hit an infrastructure error")
        #expect(Self.html.contains(#"<header class="run infrastructure" data-status="infrastructure" data-partial="true">"#))
        #expect(Self.html.contains(#"<span class="badge infrastructure">infrastructure error</span> <span class="badge partial">partial</span>"#))
        #expect(Self.html.contains(#"<div class="partial-banner" role="alert"><b>Partial run.</b>"#))
        #expect(Self.html.contains("an infrastructure error stopped health"))
        #expect(Self.html.contains("<code>r1a2b3</code>"))
        #expect(Self.html.contains("2026-11-22T10:00:00Z"))
        #expect(Self.html.contains("0 of 2 passed"))
        #expect(Self.html.contains(#"<span class="n passed">2 passed</span> · <span class="n failed">2 failed</span> · <span class="n known-gap">1 known gap</span>"#))
        #expect(Self.html.contains("cannot connect to http://127.0.0.1:9/health: connection refused"))

        let passing = RunResult(contracts: [ContractResult(name: "ok", file: "ok.yaml", location: SourceLocation(file: "ok.yaml", line: 1, column: 1),
                                                           verdicts: [], timeline: [], origin: SampleRun.origin, duration: .milliseconds(5),
                                                           infrastructureError: nil, interrupted: false, actors: [])],
                                interrupted: false, skipped: [], strict: false)
        let ok = HTMLReport.render(passing, context: SampleRun.context)
        #expect(ok.contains(#"<span class="badge passed">passed</span>"#))
        #expect(!ok.contains(#"<div class="partial-banner""#))
        #expect(!ok.contains("badge partial"))
        #expect(ok.contains("Nothing was recorded."))
    }

    // MARK: self-contained, escaped

    @Test("nothing on the page loads from the network", arguments: [0, 1])
    func noNetwork(_ which: Int) {
        let html = which == 0 ? Self.html : Self.hostile
        for tag in Markup.tags(in: html) {
            #expect(!["img", "link", "iframe", "object", "embed", "base", "audio", "video", "source", "frame", "svg", "form"].contains(tag.name),
                    "no <\(tag.name)>")
            for (name, value) in tag.attributes {
                #expect(!["src", "srcset", "action", "formaction", "poster", "background", "ping", "xlink:href"].contains(name),
                        "no \(name)= (<\(tag.name) \(name)=\"\(value)\">)")
                #expect(!name.hasPrefix("on"), "no inline handler \(name)= on <\(tag.name)>")
                if name == "href" { #expect(value.hasPrefix("#"), "links stay on the page: href=\"\(value)\"") }
                if value.contains("://") {
                    #expect(name == "title" || name.hasPrefix("data-"), "a URL only as text: <\(tag.name) \(name)=\"\(value)\">")
                }
                if name == "style" { #expect(!value.contains("url("), "no url() in style attributes") }
            }
        }
        let style = Markup.element(html, from: "<style>", to: "</style>") ?? ""
        #expect(!style.isEmpty)
        #expect(!style.contains("url("), "no url() in the stylesheet")
        #expect(!style.contains("@import"))
        #expect(!style.contains("://"))
        let script = Markup.element(html, from: "<script>", to: "</script>") ?? ""
        #expect(!script.contains("://"))
        #expect(!script.contains("fetch(") && !script.contains("XMLHttpRequest"))
        // Every URL of the run is in text: between tags or in a title.
        if which == 0 { #expect(html.contains("http://127.0.0.1:8080/offers/o-7/accept")) }
    }

    @Test("hostile text from frames, names, bodies and messages is escaped everywhere")
    func escaping() {
        let html = Self.hostile
        #expect(!html.contains(SampleRun.htmlHostileText), "the raw frame never reaches the page")
        #expect(html.components(separatedBy: "<script").count == 2, "exactly the page's own script")
        #expect(html.components(separatedBy: "</script>").count == 2)
        #expect(!html.contains("<img"))
        #expect(!html.contains("<svg"))
        #expect(!html.contains("<b>bold"))
        #expect(!html.contains("<i>"))
        #expect(!html.contains("<box>"))
        let escaped = "&lt;/script&gt;&lt;script&gt;window.pwned=1&lt;/script&gt;&lt;img src=&quot;https://evil.example/x.png&quot; onerror=&quot;window.pwned=2&quot;&gt;&#39;&amp;amp;"
        #expect(html.contains(escaped))
        #expect(html.contains(#"data-actor="eve&quot;&gt;&lt;b&gt;bold&lt;/b&gt;""#), "names in attributes")
        #expect(html.contains(#"data-lane="eve&quot;&gt;&lt;b&gt;bold&lt;/b&gt; in&lt;box&gt;""#))
        #expect(html.contains("<title>Herald · infrastructure error (partial) · run &lt;run&gt;</title>"))
        #expect(html.contains(#"<meta name="generator" content="Herald 0.1.0&quot;&gt;&lt;script&gt;">"#))
        #expect(html.contains("<code>$[&#39;&lt;/script&gt;&#39;]</code>"), "diff paths")
        #expect(html.contains(#"<td class="cell wrong-recipient" data-actor="eve&quot;&gt;&lt;b&gt;bold&lt;/b&gt;""#))
        // Every tag the page has is one the renderer writes.
        let allowed: Set<String> = ["html", "head", "meta", "title", "style", "body", "header", "div", "span", "dl", "dt", "dd", "code", "b",
                                    "main", "section", "h2", "h3", "h4", "h5", "h6", "p", "pre", "nav", "ul", "li", "a", "table", "thead",
                                    "tbody", "tr", "th", "td", "caption", "details", "summary", "button", "article", "footer", "script"]
        for tag in Markup.tags(in: html) { #expect(allowed.contains(tag.name), "unexpected <\(tag.name)>") }
    }

    @Test("write puts the page at its path")
    func writes() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("herald-html-\(UUID().uuidString).html").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try HTMLReport(path: path).write(SampleRun.result, context: SampleRun.context)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == Self.html)
        #expect(text.hasPrefix("<!DOCTYPE html>"))
    }
}

/// Just enough of an HTML tokenizer for the report's own markup: every `<` of the page starts a tag, since all text
/// is escaped, and every attribute value is double-quoted.
enum Markup {
    struct Tag: CustomStringConvertible {
        var name: String
        var attributes: [(String, String)]
        subscript(_ name: String) -> String? { attributes.first { $0.0 == name }?.1 }
        var description: String { "<\(name) " + attributes.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: " ") + ">" }
    }

    static func tags(in html: String, named: String? = nil) -> [Tag] {
        var tags: [Tag] = []
        for m in html.matches(of: /<([a-zA-Z][a-zA-Z0-9-]*)([^>]*)>/) {
            let name = String(m.output.1).lowercased()
            if let named, name != named { continue }
            let attributes = String(m.output.2).matches(of: /([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*"([^"]*)")?/).map {
                (String($0.output.1).lowercased(), $0.output.2.map { unescape(String($0)) } ?? "")
            }
            tags.append(Tag(name: name, attributes: attributes))
        }
        return tags
    }

    static func unescape(_ s: String) -> String {
        s.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    /// The text from `start` up to the next `end`.
    static func element(_ html: String, from start: String, to end: String) -> String? {
        guard let a = html.range(of: start), let b = html.range(of: end, range: a.upperBound..<html.endIndex) else { return nil }
        return String(html[a.lowerBound..<b.upperBound])
    }

    /// The markup of the lane whose `data-lane` is `key` (up to the next lane or the end of the lanes).
    static func lane(_ html: String, _ key: String) -> String? {
        guard let a = html.range(of: "data-lane=\"\(HTMLText.escape(key))\"") else { return nil }
        let next = html.range(of: "<div class=\"lane ", range: a.upperBound..<html.endIndex)?.lowerBound
            ?? html.range(of: "</section>", range: a.upperBound..<html.endIndex)?.lowerBound ?? html.endIndex
        return String(html[a.lowerBound..<next])
    }
}
