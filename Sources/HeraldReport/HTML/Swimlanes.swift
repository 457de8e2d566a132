import HeraldCore

/// The swimlanes of one contract: a lane for the steps, one for the verdicts, and per actor a lane for its HTTP
/// requests and one per channel, all on one time axis (milliseconds since the contract's start).
///
/// Items are positioned with CSS (`left` in % of the axis), so the page needs no canvas and its DOM can be inspected.
/// Each item is a `<details>`: its `<summary>` is the marker in the lane (with a `title` for hovering), and opening it
/// shows the whole frame, request or verdict in a panel.
enum Swimlanes {
    /// One thing in a lane.
    struct Item {
        /// CSS classes after `item`.
        var classes: String
        /// The element id, for links from the matrix and the cards.
        var id: String?
        /// `data-…` attributes (names without the prefix), values unescaped.
        var data: [(String, String)] = []
        /// The start, in % of the axis.
        var left: Double
        /// The width of a bar (requests), in % of the axis.
        var width: Double?
        /// The room the item and its label take at the base zoom, in % of the axis, for stacking.
        var extent: Double
        /// The hover text, unescaped.
        var title: String
        /// The marker's HTML.
        var summary: String
        /// The detail panel's HTML.
        var pop: String

        /// Whether the label goes to the left of the marker, because it would stick out of the axis on the right.
        var flipped: Bool { left + extent > 100 && left > 40 }

        /// The stretch of the axis the item and its label take at the base zoom, in %.
        var occupies: (start: Double, end: Double) {
            flipped ? (left - (extent - (width ?? 0)), left + (width ?? 0)) : (left, left + extent)
        }
    }

    /// One lane.
    struct Lane {
        /// `steps`, `verdicts`, `http`, `channel` or `run`.
        var kind: String
        /// The actor, if the lane belongs to one.
        var actor: String?
        /// The channel, for channel lanes.
        var channel: String?
        /// What the label says.
        var title: String
        /// What the label says under the title, smaller.
        var subtitle: String
        /// The items.
        var items: [Item] = []
        /// Connection bands (channel lanes): start and end in %, and whether it ended by dropping.
        var bands: [(start: Double, end: Double, dropped: Bool)] = []
        /// Whether this lane starts an actor's group.
        var groupStart = false

        /// The `data-lane` value: `seller[0] inbox`, `buyer http`.
        var key: String {
            switch kind {
            case "http": "\(actor ?? "(no actor)") http"
            case "channel": "\(actor ?? "(shared)") \(channel ?? "?")"
            default: kind
            }
        }
    }

    /// Roughly how many % of the axis a pixel is at the base zoom (the axis is about 1000 px wide).
    static let pixel = 0.1
    /// The height of one row of items in a lane, in pixels.
    static let rowHeight = 22
    /// The most rows a lane stacks items into; beyond that they overlap. The steps lane may grow taller.
    static func maxRows(_ kind: String) -> Int {
        switch kind {
        case "steps": 16
        case "verdicts": 4
        default: 8
        }
    }
    /// The zoom levels offered.
    static let zooms = [1, 4, 16, 64, 256]

    // MARK: building lanes

    /// The lanes of contract `c`, in display order.
    static func lanes(_ c: HTMLContract) -> [Lane] {
        let esc = HTMLText.escape
        var steps = Lane(kind: "steps", title: "steps", subtitle: "")
        var verdicts = Lane(kind: "verdicts", title: "verdicts", subtitle: "at their evidence")
        var http: [String: Lane] = [:]
        var channels: [String: [String]] = [:]          // actor (or "") → channels in order of appearance
        var channelLanes: [String: Lane] = [:]          // "actor\u{0}channel" → lane
        var run = Lane(kind: "run", title: "run", subtitle: "notes")
        var shared: [String] = []

        func httpLane(_ actor: String?) -> Lane {
            http[actor ?? ""] ?? Lane(kind: "http", actor: actor, title: actor ?? "(no actor)", subtitle: "http")
        }
        func channelKey(_ actor: String?, _ channel: String) -> String { (actor ?? "") + "\u{0}" + channel }
        func touchChannel(_ actor: String?, _ channel: String) {
            let key = channelKey(actor, channel)
            guard channelLanes[key] == nil else { return }
            channelLanes[key] = Lane(kind: "channel", actor: actor, channel: channel, title: actor ?? "(shared)", subtitle: channel)
            channels[actor ?? "", default: []].append(channel)
            if actor == nil { shared.append(channel) }
        }

        var responses: [Int: TimelineEntry] = [:]
        for e in c.result.timeline { if case .response(let r) = e.event { responses[r.requestSeq] = e } }
        var openConnections: [String: Double] = [:]

        for e in c.result.timeline {
            let t = c.ms(e.at)
            let x = c.pct(t)
            let at = "+" + HTMLText.ms(t)
            switch e.event {
            case .step(let s):
                let label = HTMLText.clip(s.label, 36)
                var pop = "<h5>⚑ \(esc(s.label))</h5><dl><dt>at</dt><dd>\(esc(at))</dd>"
                if let a = e.actor { pop += "<dt>as</dt><dd>\(esc(a))</dd>" }
                if let l = s.location { pop += "<dt>written at</dt><dd>\(esc(l.description))</dd>" }
                pop += "</dl>"
                steps.items.append(Item(classes: "step", id: c.entryID(e.seq), data: [("seq", "\(e.seq)")], left: x,
                                        extent: Double(14 + label.count * 7) * pixel, title: "\(at) · \(s.label)",
                                        summary: "<span class=\"g\">⚑</span><span class=\"lbl\">\(esc(label))</span>", pop: pop))
            case .request(let r):
                var lane = httpLane(e.actor)
                let response = responses[e.seq]
                var status = ""
                var title = "\(at) · \(r.method) \(r.url)"
                var width = 0.0
                var cls = "req"
                if let re = response, case .response(let rr) = re.event {
                    status = " \(rr.status)"
                    width = max(c.pct(c.ms(re.at)) - x, 0)
                    cls += " s\(rr.status / 100)xx"
                    let tm = rr.timing
                    title += " → \(rr.status) · total \(HTMLText.ms(tm.totalMs)) (dns \(HTMLText.ms(tm.dnsMs)), connect \(HTMLText.ms(tm.connectMs)), tls \(HTMLText.ms(tm.tlsMs)), first byte \(HTMLText.ms(tm.firstByteMs)))"
                } else {
                    cls += " no-response"
                    title += " → no response"
                }
                let label = HTMLText.clip("\(r.method) \(HTMLText.path(of: r.url))", 40) + status
                lane.items.append(Item(classes: cls, id: c.entryID(e.seq), data: [("seq", "\(e.seq)")], left: x, width: width,
                                       extent: width + Double(10 + label.count * 7) * pixel, title: title,
                                       summary: "<span class=\"bar\"></span><span class=\"lbl\">\(esc(label))</span>",
                                       pop: requestPop(c, e, r, response)))
                http[e.actor ?? ""] = lane
            case .response(let rr):
                guard c.bySeq[rr.requestSeq] == nil else { continue }     // drawn with its request
                var lane = httpLane(e.actor)
                lane.items.append(Item(classes: "resp", id: c.entryID(e.seq), left: x, extent: 3, title: "\(at) · response \(rr.status)",
                                       summary: "<span class=\"g\">◂</span><span class=\"lbl\">\(rr.status)</span>",
                                       pop: "<h5>response \(rr.status)</h5><pre>\(esc(HTMLText.readable(rr.body)))</pre>"))
                http[e.actor ?? ""] = lane
            case .frame(let f), .sent(let f):
                let sent: Bool
                if case .sent = e.event { sent = true } else { sent = false }
                let channel = e.channel ?? "?"
                touchChannel(e.actor, channel)
                let key = channelKey(e.actor, channel)
                let marks = c.marks[e.seq] ?? []
                var cls = sent ? "frame sent" : "frame recv"
                var glyph = sent ? "↑" : "↓"
                if marks.contains(where: \.wrongRecipient) {
                    cls += " wrong-recipient"
                    glyph = "⚠"
                } else if marks.contains(where: { $0.role == .unexpected && $0.kind != .count }) {
                    cls += " unexpected"
                    glyph = "⚠"
                } else if marks.contains(where: { $0.role == .unexpected }) {
                    cls += " duplicate"
                }
                if marks.contains(where: { $0.role == .nearest }) { cls += " nearest" }
                if marks.contains(where: { $0.role == .matched }) { cls += " matched" }
                if marks.contains(where: { $0.role == .observed }) { cls += " observed" }
                let label = HTMLText.frameLabel(f.text, json: f.json)
                var title = "\(at) · \(e.actor ?? "(shared)") · \(channel) \(sent ? "sent" : "received")"
                if marks.contains(where: \.wrongRecipient) { title += " · WRONG RECIPIENT" }
                title += ": " + HTMLText.clip(f.text, 400)
                // The words CSS adds after the label of a wrong-recipient or duplicate frame take room too.
                let extra = cls.contains("wrong-recipient") ? 16 : cls.contains("duplicate") ? 10 : 0
                channelLanes[key]!.items.append(Item(classes: cls, id: c.entryID(e.seq), data: [("seq", "\(e.seq)")], left: x,
                                                     extent: Double(16 + (label.count + extra) * 7) * pixel, title: title,
                                                     summary: "<span class=\"g\">\(glyph)</span><span class=\"lbl\">\(esc(label))</span>",
                                                     pop: framePop(c, e, f, sent: sent, marks: marks)))
            case .connected(let r):
                let channel = e.channel ?? "?"
                touchChannel(e.actor, channel)
                let key = channelKey(e.actor, channel)
                openConnections[key] = x
                channelLanes[key]!.items.append(Item(classes: "conn-open", id: c.entryID(e.seq), left: x, extent: 1.6,
                                                     title: "\(at) · connected: \(r.url)", summary: "<span class=\"g\">▶</span>",
                                                     pop: "<h5>▶ connected · \(esc(e.actor ?? "(shared)")) · \(esc(channel))</h5><dl><dt>at</dt><dd>\(esc(at))</dd><dt>url</dt><dd>\(esc(r.url))</dd></dl>"))
            case .disconnected(let d):
                let channel = e.channel ?? "?"
                touchChannel(e.actor, channel)
                let key = channelKey(e.actor, channel)
                if let start = openConnections.removeValue(forKey: key) {
                    channelLanes[key]!.bands.append((start, x, !d.expected))
                }
                let what = d.expected ? "closed by Herald" : "dropped"
                var detail = "<dl><dt>at</dt><dd>\(esc(at))</dd><dt>code</dt><dd>\(d.code.map(String.init) ?? "none")</dd><dt>reason</dt><dd>\(esc(d.reason))</dd></dl>"
                if let m = c.marks[e.seq], !m.isEmpty { detail += marksList(c, m) }
                channelLanes[key]!.items.append(Item(classes: d.expected ? "conn-close" : "conn-close dropped", id: c.entryID(e.seq),
                                                     left: x, extent: 1.6,
                                                     title: "\(at) · \(what)\(d.code.map { " (code \($0))" } ?? ""): \(d.reason)",
                                                     summary: "<span class=\"g\">\(d.expected ? "■" : "✕")</span>",
                                                     pop: "<h5>\(d.expected ? "■" : "✕") \(what) · \(esc(e.actor ?? "(shared)")) · \(esc(channel))</h5>" + detail))
            case .note(let text):
                var lane = e.actor.map(httpLane) ?? run
                let label = HTMLText.clip(text, 32)
                lane.items.append(Item(classes: "note", id: c.entryID(e.seq), left: x, extent: Double(14 + label.count * 7) * pixel,
                                       title: "\(at) · \(text)", summary: "<span class=\"g\">✎</span><span class=\"lbl\">\(esc(label))</span>",
                                       pop: "<h5>✎ note · \(esc(at))</h5><pre>\(esc(text))</pre>"))
                if let a = e.actor { http[a] = lane } else { run = lane }
            }
        }
        for (key, start) in openConnections { channelLanes[key]?.bands.append((start, 100, false)) }

        // Verdicts, at the time of their evidence.
        for (i, v) in c.result.verdicts.enumerated() {
            guard let t = c.verdictTime(i) else { continue }
            let failedish = v.outcome != .passed
            let label = failedish ? (v.reason?.rawValue ?? HTMLOutcome.css(v.outcome)) : ""
            var pop = "<h5 class=\"\(HTMLOutcome.css(v.outcome))\">\(HTMLOutcome.mark(v.outcome)) \(esc(v.step)) › \(v.kind.rawValue)\(v.reason.map { " [\($0.rawValue)]" } ?? "")</h5>"
            pop += "<p>\(esc(v.message))</p><dl><dt>at</dt><dd>+\(esc(HTMLText.ms(t)))</dd>"
            if let l = v.location { pop += "<dt>written at</dt><dd>\(esc(l.description))</dd>" }
            if let g = v.knownGap { pop += "<dt>known gap</dt><dd>\(esc(g))</dd>" }
            pop += "</dl>"
            if c.hasCard(i) { pop += "<p><a href=\"#\(c.verdictID(i))\">evidence and nearest-match diff ↓</a></p>" }
            verdicts.items.append(Item(classes: "verdict \(HTMLOutcome.css(v.outcome))", id: nil, data: [("verdict", v.id)],
                                       left: c.pct(t), extent: Double(16 + label.count * 7) * pixel,
                                       title: "+\(HTMLText.ms(t)) · \(HTMLOutcome.mark(v.outcome)) \(v.step) › \(v.kind.rawValue): \(HTMLText.clip(v.message, 300))",
                                       summary: "<span class=\"g\">\(HTMLOutcome.mark(v.outcome))</span>" + (label.isEmpty ? "" : "<span class=\"lbl\">\(esc(label))</span>"),
                                       pop: pop))
        }

        // Passed verdicts first: where markers overlap, the later ones are drawn on top.
        verdicts.items = verdicts.items.filter { $0.classes.hasSuffix(" passed") } + verdicts.items.filter { !$0.classes.hasSuffix(" passed") }

        var lanes: [Lane] = []
        if !steps.items.isEmpty { lanes.append(steps) }
        if !verdicts.items.isEmpty { lanes.append(verdicts) }
        for a in c.actors {
            var group = [httpLane(a)]
            for ch in channels[a] ?? [] { group.append(channelLanes[channelKey(a, ch)]!) }
            group[0].groupStart = true
            lanes += group
        }
        var rest: [Lane] = []
        if let h = http[""] { rest.append(h) }
        for ch in shared { rest.append(channelLanes[channelKey(nil, ch)]!) }
        if !run.items.isEmpty { rest.append(run) }
        if !rest.isEmpty { rest[0].groupStart = true }
        return lanes + rest
    }

    /// Assigns rows so that items do not overlap at the base zoom; returns each item's row and the number of rows.
    static func stack(_ items: [Item], maxRows: Int) -> (rows: [Int], count: Int) {
        var ends: [Double] = []
        var rows = Array(repeating: 0, count: items.count)
        for i in items.indices.sorted(by: { (items[$0].occupies.start, $0) < (items[$1].occupies.start, $1) }) {
            let (start, end) = items[i].occupies
            if let free = ends.firstIndex(where: { $0 <= start }) {
                rows[i] = free
            } else if ends.count < maxRows {
                ends.append(0)
                rows[i] = ends.count - 1
            } else {
                rows[i] = ends.indices.min { ends[$0] < ends[$1] }!
            }
            ends[rows[i]] = max(ends[rows[i]], end)
        }
        return (rows, max(ends.count, 1))
    }

    // MARK: detail panels

    static func marksList(_ c: HTMLContract, _ marks: [HTMLContract.Mark]) -> String {
        let esc = HTMLText.escape
        var h = "<ul class=\"marks\">"
        for m in marks {
            let v = c.result.verdicts[m.verdict]
            let what: String
            switch m.role {
            case .unexpected where m.wrongRecipient: what = "<b class=\"wr\">⚠ wrong recipient</b> for"
            case .unexpected where m.kind == .count: what = "<b class=\"warn\">⚠ duplicate</b> for"
            case .unexpected: what = "<b class=\"bad\">⚠ unexpected</b> for"
            case .matched: what = "✔ matched"
            case .nearest: what = "≈ nearest match for"
            case .observed: what = "observed by"
            case .disconnect: what = "✕ dropped connection for"
            }
            let name = "\(v.step) › \(v.kind.rawValue)"
            let link = c.hasCard(m.verdict) ? "<a href=\"#\(c.verdictID(m.verdict))\">\(esc(name))</a>" : esc(name)
            h += "<li class=\"\(HTMLOutcome.css(v.outcome))\">\(what) \(link) <span class=\"dim\">(\(HTMLOutcome.mark(v.outcome)) \(esc(v.reason?.rawValue ?? HTMLOutcome.css(v.outcome))))</span></li>"
        }
        return h + "</ul>"
    }

    static func framePop(_ c: HTMLContract, _ e: TimelineEntry, _ f: FrameRecord, sent: Bool, marks: [HTMLContract.Mark]) -> String {
        let esc = HTMLText.escape
        var h = "<h5>\(sent ? "↑ sent" : "↓ received") · \(esc(e.actor ?? "(shared)")) · \(esc(e.channel ?? "?"))</h5>"
        h += "<dl><dt>at</dt><dd>+\(esc(HTMLText.ms(c.ms(e.at))))</dd><dt>seq</dt><dd>\(e.seq)</dd>"
        if f.binary { h += "<dt>payload</dt><dd>binary, shown as hex</dd>" }
        h += "</dl>"
        if !marks.isEmpty { h += marksList(c, marks) }
        h += "<pre class=\"payload\">\(esc(HTMLText.readable(f.text, json: f.json)))</pre>"
        return h
    }

    static func requestPop(_ c: HTMLContract, _ e: TimelineEntry, _ r: RequestRecord, _ response: TimelineEntry?) -> String {
        let esc = HTMLText.escape
        var h = "<h5>\(esc(r.method)) <span class=\"url\">\(esc(r.url))</span></h5>"
        h += "<dl><dt>as</dt><dd>\(esc(e.actor ?? "(no actor)"))</dd><dt>sent at</dt><dd>+\(esc(HTMLText.ms(c.ms(e.at))))</dd>"
        if let re = response, case .response(let rr) = re.event {
            h += "<dt>status</dt><dd class=\"s\(rr.status / 100)xx\">\(rr.status)</dd><dt>answered at</dt><dd>+\(esc(HTMLText.ms(c.ms(re.at))))</dd></dl>"
            let t = rr.timing
            h += "<table class=\"timing\"><caption>timing (cumulative, from libcurl)</caption><tr><th>dns</th><th>connect</th><th>tls</th><th>first byte</th><th>total</th></tr>"
            h += "<tr>" + [t.dnsMs, t.connectMs, t.tlsMs, t.firstByteMs, t.totalMs].map { "<td>\(esc(HTMLText.ms($0)))</td>" }.joined() + "</tr></table>"
            h += headersAndBody("request", r.headers, r.body)
            h += headersAndBody("response", rr.headers, rr.body)
        } else {
            h += "<dt>status</dt><dd>no response recorded</dd></dl>"
            h += headersAndBody("request", r.headers, r.body)
        }
        return h
    }

    static func headersAndBody(_ what: String, _ headers: [RecordedHeader], _ body: String?) -> String {
        let esc = HTMLText.escape
        var h = "<h6>\(what)</h6>"
        if !headers.isEmpty {
            h += "<table class=\"headers\">" + headers.map { "<tr><th>\(esc($0.name))</th><td>\(esc($0.value))</td></tr>" }.joined() + "</table>"
        }
        if let body, !body.isEmpty {
            let text = HTMLText.readable(body)
            let clipped = text.count > 20_000 ? String(text.prefix(20_000)) + "\n… (\(text.count - 20_000) more characters in report.json)" : text
            h += "<pre class=\"payload\">\(esc(clipped))</pre>"
        }
        return h
    }

    // MARK: rendering

    /// A round step for axis ticks near `raw` milliseconds: 1, 2 or 5 × 10ⁿ.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        var p = 1e-3
        while p * 10 <= raw { p *= 10 }
        while p > raw { p /= 10 }
        for m in [1.0, 2, 5, 10] where p * m >= raw { return p * m }
        return p * 10
    }

    /// The swimlanes of contract `c` as HTML, or a note when it has no timeline.
    static func render(_ c: HTMLContract) -> String {
        let esc = HTMLText.escape
        guard !c.result.timeline.isEmpty else {
            return "<section class=\"lanes-wrap\"><h3>Timeline</h3><p class=\"hint\">Nothing was recorded.</p></section>\n"
        }
        let lanes = lanes(c)
        var h = "<section class=\"lanes-wrap\"><h3>Timeline</h3>\n"
        h += "<p class=\"hint\">Milliseconds since the contract started (\(esc(HTMLText.ms(c.span))) in all). Hover a marker for its text; click it for details. "
        h += "↓ received · ↑ sent · <span class=\"wr\">⚠ wrong recipient</span> · ▶ connected · ✕ dropped · ⚑ step · dashed lines: step starts.</p>\n"
        h += "<div class=\"timeline\" data-zoom=\"1\" data-span=\"\(c.span)\" style=\"--zoom:1\">\n<div class=\"zoom\">zoom "
        h += zooms.map { "<button type=\"button\" data-zoom=\"\($0)\"\($0 == 1 ? " class=\"on\"" : "")>\($0)×</button>" }.joined()
        h += "</div>\n<div class=\"tl-scroll\"><div class=\"tl-inner\">\n"

        // The axis, the ticks of every zoom level, and the step guides.
        h += "<div class=\"lane axis\"><div class=\"lane-label\">ms since start</div><div class=\"track\"></div></div>\n"
        h += "<div class=\"guides\">"
        // Ticks for the base zoom; the script draws finer ones when zooming in (zooming needs it anyway).
        let step = niceStep(c.span / 10)
        var n = 0
        while Double(n) * step <= c.span + step / 1000, n <= 20 {
            let t = Double(n) * step
            // No label where it would stick out of the axis.
            let label = c.pct(t) > 96 ? "" : "<span>\(esc(HTMLText.ms(t)))</span>"
            h += "<div class=\"tick\" style=\"left:\(HTMLText.pct(c.pct(t)))\">\(label)</div>"
            n += 1
        }
        for e in c.result.timeline {
            if case .step = e.event { h += "<div class=\"guide\" style=\"left:\(HTMLText.pct(c.pct(c.ms(e.at))))\"></div>" }
        }
        h += "</div>\n"

        for lane in lanes {
            let (rows, count) = stack(lane.items, maxRows: maxRows(lane.kind))
            var attrs = "class=\"lane kind-\(lane.kind)\(lane.groupStart ? " group-start" : "")\" data-lane=\"\(esc(lane.key))\" data-kind=\"\(lane.kind)\""
            if let a = lane.actor { attrs += " data-actor=\"\(esc(a))\"" }
            if let ch = lane.channel { attrs += " data-channel=\"\(esc(ch))\"" }
            h += "<div \(attrs) style=\"height:\(8 + count * rowHeight)px\">"
            h += "<div class=\"lane-label\"><span class=\"who\">\(esc(lane.title))</span> <span class=\"what\">\(esc(lane.subtitle))</span></div>"
            h += "<div class=\"track\">"
            for band in lane.bands {
                h += "<div class=\"band\(band.dropped ? " dropped" : "")\" style=\"left:\(HTMLText.pct(band.start));width:\(HTMLText.pct(max(band.end - band.start, 0)))\"></div>"
            }
            for (i, item) in lane.items.enumerated() {
                // A flipped marker is anchored by its right side (bars keep their start), so its label ends at it.
                let anchor = item.flipped && item.width == nil ? "right:\(HTMLText.pct(100 - item.left))" : "left:\(HTMLText.pct(item.left))"
                var style = "\(anchor);top:\(4 + rows[i] * rowHeight)px"
                if let w = item.width { style += ";--w:\(HTMLText.pct(w))" }
                h += "<details class=\"item \(item.classes)\(item.flipped ? " flip" : "")\""
                if let id = item.id { h += " id=\"\(id)\"" }
                for (k, v) in item.data { h += " data-\(k)=\"\(esc(v))\"" }
                h += " style=\"\(style)\"><summary title=\"\(esc(item.title))\">\(item.summary)</summary>"
                h += "<div class=\"pop\"><button type=\"button\" class=\"close\" title=\"close (Esc)\">×</button>\(item.pop)</div></details>"
            }
            h += "</div></div>\n"
        }
        h += "</div></div>\n</div>\n</section>\n"
        return h
    }
}
