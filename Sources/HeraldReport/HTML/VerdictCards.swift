import HeraldCore

/// The verdicts of one contract as HTML: a card per expectation that did not pass (its message, its evidence and,
/// for a nearest match, the table of fields that differed), then a folded table of every expectation.
enum VerdictCards {
    /// The cards of the verdicts of `c` that did not pass, or the empty string when all passed.
    static func failures(_ c: HTMLContract) -> String {
        let esc = HTMLText.escape
        let indices = c.result.verdicts.indices.filter { c.hasCard($0) }
        guard !indices.isEmpty else { return "" }
        var h = "<section class=\"cards\"><h3>Failures and known gaps</h3>\n"
        for i in indices {
            let v = c.result.verdicts[i]
            h += "<article class=\"card \(HTMLOutcome.css(v.outcome))\" id=\"\(c.verdictID(i))\" data-verdict=\"\(esc(v.id))\""
            if let r = v.reason { h += " data-reason=\"\(r.rawValue)\"" }
            h += ">\n<h4><span class=\"mark\">\(HTMLOutcome.mark(v.outcome))</span> \(esc(v.step)) › \(v.kind.rawValue)"
            if let r = v.reason { h += " <span class=\"reason\">\(r.rawValue)</span>" }
            if v.outcome == .knownGap, let g = v.knownGap { h += " <span class=\"gap\">known gap \(esc(g))</span>" }
            if v.outcome == .notRun { h += " <span class=\"gap\">not run</span>" }
            h += "</h4>\n"
            if let l = v.location { h += "<div class=\"loc\">\(esc(l.description))</div>\n" }
            h += "<p class=\"msg\">\(esc(v.message))</p>\n"
            if !v.evidence.isEmpty { h += evidenceTable(c, v) }
            for ev in v.evidence where ev.role == .nearest { h += diffTable(c, ev) }
            h += "</article>\n"
        }
        return h + "</section>\n"
    }

    /// The evidence of `v`: role, actor, channel, time since the trigger and on the axis, and the text.
    static func evidenceTable(_ c: HTMLContract, _ v: Verdict) -> String {
        let esc = HTMLText.escape
        var h = "<table class=\"evidence\"><thead><tr><th>evidence</th><th>actor</th><th>channel</th><th>since trigger</th><th>on the timeline</th><th>text</th></tr></thead><tbody>\n"
        for ev in v.evidence {
            let wrong = ev.role == .unexpected && v.reason == .wrongRecipient
            let role = wrong ? "wrong-recipient" : ev.role.rawValue
            h += "<tr class=\"ev-\(role)\"><td>\(role)</td><td>\(esc(ev.actor ?? "—"))</td><td>\(esc(ev.channel ?? "—"))</td>"
            h += "<td>\(ev.sinceTriggerMs.map { "+" + esc(HTMLText.ms($0)) } ?? "—")</td><td>"
            if let t = c.time(of: ev, in: v) {
                let text = "+" + esc(HTMLText.ms(t))
                h += ev.seq.flatMap { c.bySeq[$0] != nil ? "<a href=\"#\(c.entryID($0))\">\(text)</a>" : nil } ?? text
            } else {
                h += "—"
            }
            h += "</td><td class=\"text\">"
            if let text = ev.text {
                let readable = HTMLText.readable(text)
                if readable.count <= 90, !readable.contains("\n") {
                    h += "<code>\(esc(readable))</code>"
                } else {
                    h += "<details><summary><code>\(esc(HTMLText.clip(text, 90)))</code></summary><pre class=\"payload\">\(esc(readable))</pre></details>"
                }
            }
            h += "</td></tr>\n"
        }
        return h + "</tbody></table>\n"
    }

    /// The fields where a nearest match differed from the matcher.
    static func diffTable(_ c: HTMLContract, _ ev: Evidence) -> String {
        let esc = HTMLText.escape
        var where_ = [ev.actor, ev.channel].compactMap { $0 }.joined(separator: " · ")
        if let s = ev.sinceTriggerMs { where_ += (where_.isEmpty ? "" : " · ") + "+" + HTMLText.ms(s) + " after the trigger" }
        var h = "<table class=\"diff\"><caption>nearest match\(where_.isEmpty ? "" : " (\(esc(where_)))"): fields that differed</caption>"
        h += "<thead><tr><th>path</th><th>expected</th><th>actual</th></tr></thead><tbody>"
        if ev.differences.isEmpty {
            h += "<tr><td colspan=\"3\" class=\"dim\">no field differences recorded</td></tr>"
        }
        for d in ev.differences {
            h += "<tr><td><code>\(esc(d.path))</code></td><td class=\"exp\"><code>\(esc(d.expected))</code></td>"
            h += d.actual.map { "<td class=\"act\"><code>\($0.isEmpty ? "" : esc($0))</code></td>" } ?? "<td class=\"act missing\">missing</td>"
            h += "</tr>"
        }
        return h + "</tbody></table>\n"
    }

    /// Every expectation of `c`, folded.
    static func all(_ c: HTMLContract) -> String {
        let esc = HTMLText.escape
        let verdicts = c.result.verdicts
        guard !verdicts.isEmpty else { return "" }
        var h = "<details class=\"all\"><summary>All \(verdicts.count) expectation\(verdicts.count == 1 ? "" : "s")</summary>\n"
        h += "<div class=\"scroll-x\"><table class=\"verdicts\"><thead><tr><th></th><th>step</th><th>kind</th><th>reason</th><th>message</th><th>latency</th><th>written at</th></tr></thead><tbody>\n"
        for (i, v) in verdicts.enumerated() {
            let mark = c.hasCard(i) ? "<a href=\"#\(c.verdictID(i))\">\(HTMLOutcome.mark(v.outcome))</a>" : HTMLOutcome.mark(v.outcome)
            h += "<tr class=\"\(HTMLOutcome.css(v.outcome))\" data-verdict=\"\(esc(v.id))\"><td class=\"mark\">\(mark)</td><td>\(esc(v.step))</td><td>\(v.kind.rawValue)</td>"
            h += "<td>\(v.reason?.rawValue ?? "")\(v.knownGap.map { " " + esc($0) } ?? "")</td>"
            h += "<td title=\"\(esc(v.message))\">\(esc(HTMLText.clip(v.message, 160)))</td>"
            h += "<td>\(v.latencyMs.map { esc(HTMLText.ms($0)) } ?? "")</td><td class=\"loc\">\(esc(v.location?.description ?? ""))</td></tr>\n"
        }
        return h + "</tbody></table></div></details>\n"
    }
}
