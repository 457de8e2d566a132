import HeraldCore

/// The recipient matrix of one contract: a row per event verdict (`recipients`, `match`, `count`, `absent`), a column
/// per actor, and in each cell whether that actor received the event as it should, missed it, or got it although it
/// was not meant for it.
///
/// Verdicts do not name their intended recipients, their `as:` actor or their matcher separately, so the cells are
/// inferred from the evidence roles and, where the evidence is silent, from the verdict's message (see ``cells(_:actors:)``).
enum RecipientMatrix {
    /// What a cell says.
    enum State: String {
        /// Expected and received in time.
        case received
        /// Expected and received, but after the window.
        case late
        /// Expected and not received.
        case missing
        /// Received by an actor the event was not meant for.
        case wrongRecipient = "wrong-recipient"
        /// Received during a quiet window (`absent`).
        case unexpected
        /// Received more often than expected (`count`).
        case duplicate
        /// Received, but fewer times than expected (`count`).
        case tooFew = "too-few"
        /// The actor's connection dropped while the verdict waited.
        case dropped
    }

    /// One cell.
    struct Cell {
        /// What it says.
        var state: State
        /// The short text after the mark: `+2.6 ms`, `×2`.
        var detail: String
        /// The hover text.
        var title: String
        /// The timeline entry to jump to, if any.
        var seq: Int?
    }

    /// The verdict kinds that get a row.
    static let kinds: Set<Verdict.Kind> = [.recipients, .match, .count, .absent]

    /// The cells of one verdict's row, by actor.
    static func cells(_ v: Verdict, actors: [String]) -> [String: Cell] {
        var cells: [String: Cell] = [:]
        var byActor: [String: [Evidence]] = [:]
        for ev in v.evidence { if let a = ev.actor { byActor[a, default: []].append(ev) } }
        func at(_ ev: Evidence) -> String { ev.sinceTriggerMs.map { "+" + HTMLText.ms($0) } ?? "" }
        func frame(_ ev: Evidence) -> String { ev.text.map { ": " + HTMLText.clip($0, 300) } ?? "" }
        // The actor a verdict without evidence is about: its message ends "… for seller[2]" (match, count).
        let named = actors.first { v.message.hasSuffix(" for \($0)") || v.message.contains(" for \($0) within ") }

        switch v.kind {
        case .recipients:
            // Intended: everyone with a matched (in time or late) or nearest frame, and everyone the message names as
            // not having received it. Everyone with an unexpected frame was not intended.
            var intended = Set(v.evidence.filter { $0.role == .matched || $0.role == .nearest }.compactMap(\.actor))
            for a in actors where v.message.contains("\(a) did not receive it within") { intended.insert(a) }
            if v.outcome == .passed, let r = v.message.range(of: " reached exactly ", options: .backwards) {
                let names = v.message[r.upperBound...].components(separatedBy: ", ")
                for a in actors where names.contains(a) { intended.insert(a) }
            }
            for a in actors {
                let ev = byActor[a] ?? []
                if let u = ev.first(where: { $0.role == .unexpected }) {
                    cells[a] = Cell(state: .wrongRecipient, detail: at(u),
                                    title: "\(a) was not meant to receive this, but did at \(at(u))\(frame(u))", seq: u.seq)
                } else if let m = ev.first(where: { $0.role == .matched }) {
                    let late = v.message.contains("\(a) received it late")
                    cells[a] = Cell(state: late ? .late : .received, detail: at(m),
                                    title: "\(a) received it\(late ? " late" : "") at \(at(m))\(frame(m))", seq: m.seq)
                } else if intended.contains(a) {
                    let near = ev.first { $0.role == .nearest }
                    let why = near.map { n in "; nearest frame at \(at(n)) differed: " + n.differences.map(\.description).joined(separator: "; ") } ?? ""
                    cells[a] = Cell(state: .missing, detail: "", title: "\(a) should have received it and did not\(why)", seq: near?.seq)
                }
            }
        case .match:
            for a in actors {
                let ev = byActor[a] ?? []
                if let m = ev.first(where: { $0.role == .matched }) {
                    let late = v.reason == .late
                    cells[a] = Cell(state: late ? .late : .received, detail: at(m),
                                    title: "\(a) received it\(late ? " late" : "") at \(at(m))\(frame(m))", seq: m.seq)
                } else if v.outcome != .passed, v.reason != .interrupted,
                          let n = ev.first(where: { $0.role == .nearest }) {
                    cells[a] = Cell(state: .missing, detail: "",
                                    title: "no match for \(a); nearest frame at \(at(n)) differed: " + n.differences.map(\.description).joined(separator: "; "),
                                    seq: n.seq)
                }
            }
            if v.outcome != .passed, v.reason == .missing, v.evidence.isEmpty, let a = named {
                cells[a] = Cell(state: .missing, detail: "", title: "\(a) should have received it and got no frame at all", seq: nil)
            }
        case .count:
            for a in actors {
                let ev = byActor[a] ?? []
                let matched = ev.filter { $0.role == .matched }
                let extra = ev.filter { $0.role == .unexpected }
                let late = ev.filter { $0.role == .observed }
                if !extra.isEmpty {
                    let n = matched.count + extra.count
                    cells[a] = Cell(state: .duplicate, detail: n > 1 ? "×\(n)" : "",
                                    title: "\(a) received it \(n) times: " + (matched + extra).map(at).joined(separator: ", "), seq: extra[0].seq)
                } else if !late.isEmpty {
                    cells[a] = Cell(state: .late, detail: "×\(matched.count)+\(late.count)",
                                    title: "\(a) received it \(matched.count) times in time and \(late.count) late", seq: late[0].seq)
                } else if !matched.isEmpty {
                    let ok = v.outcome == .passed
                    cells[a] = Cell(state: ok ? .received : .tooFew, detail: "×\(matched.count)",
                                    title: "\(a) received it \(matched.count) times: " + matched.map(at).joined(separator: ", "), seq: matched[0].seq)
                } else if v.outcome != .passed, v.reason != .interrupted, let n = ev.first(where: { $0.role == .nearest }) {
                    cells[a] = Cell(state: .missing, detail: "×0",
                                    title: "\(a) received none; nearest frame at \(at(n)) differed: " + n.differences.map(\.description).joined(separator: "; "),
                                    seq: n.seq)
                }
            }
            if v.outcome != .passed, v.reason == .missing, cells.isEmpty, let a = named {
                cells[a] = Cell(state: .missing, detail: "×0", title: "\(a) received none", seq: nil)
            }
        case .absent:
            for a in actors {
                let hits = (byActor[a] ?? []).filter { $0.role == .unexpected }
                if let u = hits.first {
                    cells[a] = Cell(state: .unexpected, detail: at(u) + (hits.count > 1 ? " ×\(hits.count)" : ""),
                                    title: "\(a) received what must not arrive, at \(at(u))\(frame(u))", seq: u.seq)
                }
            }
        default:
            break
        }
        for ev in v.evidence where ev.role == .disconnect {
            guard let a = ev.actor else { continue }
            let text = "the connection of \(a) on '\(ev.channel ?? "?")' dropped at \(at(ev)): \(ev.text ?? "")"
            if var c = cells[a] {
                c.title += "; " + text
                cells[a] = c
            } else {
                cells[a] = Cell(state: .dropped, detail: at(ev), title: text, seq: nil)
            }
        }
        return cells
    }

    /// The mark and word a cell shows.
    static func label(_ s: State) -> (mark: String, word: String) {
        switch s {
        case .received: ("✔", "received")
        case .late: ("◔", "late")
        case .missing: ("✘", "missing")
        case .wrongRecipient: ("⚠", "wrong recipient")
        case .unexpected: ("⚠", "must not arrive")
        case .duplicate: ("⚠", "duplicate")
        case .tooFew: ("✘", "too few")
        case .dropped: ("⚡", "connection dropped")
        }
    }

    /// The matrix of contract `c` as HTML, or the empty string when it has no event verdicts.
    static func render(_ c: HTMLContract) -> String {
        let rows = c.result.verdicts.enumerated().filter { kinds.contains($0.element.kind) }
        guard !rows.isEmpty else { return "" }
        let esc = HTMLText.escape
        var h = "<section class=\"matrix-wrap\"><h3>Who got what</h3>\n"
        h += "<p class=\"hint\">One row per event expectation, one column per actor. Click a cell to see the frame on the timeline.</p>\n"
        h += "<div class=\"scroll-x\"><table class=\"matrix\" data-contract=\"\(esc(c.result.name))\">\n<thead><tr><th class=\"ev\">event</th><th class=\"out\">verdict</th>"
        for a in c.actors { h += "<th class=\"actor\" data-actor=\"\(esc(a))\">\(esc(a))</th>" }
        h += "</tr></thead>\n<tbody>\n"
        var lastStep: String?
        for (i, v) in rows {
            if v.step != lastStep {
                h += "<tr class=\"step-row\"><th colspan=\"\(c.actors.count + 2)\">\(esc(v.step))</th></tr>\n"
                lastStep = v.step
            }
            let summary = HTMLText.matcherSummary(in: v.message) ?? HTMLText.clip(v.message, 80)
            h += "<tr class=\"event \(HTMLOutcome.css(v.outcome))\" data-event=\"\(esc(v.id))\" data-kind=\"\(v.kind.rawValue)\">"
            h += "<th class=\"ev\" title=\"\(esc(v.message))\"><span class=\"kind\">\(v.kind.rawValue)</span> <code>\(esc(summary))</code>"
            if let loc = v.location { h += "<span class=\"loc\">\(esc(loc.description))</span>" }
            h += "</th>"
            var outcome = "\(HTMLOutcome.mark(v.outcome)) \(v.reason?.rawValue ?? (v.outcome == .passed ? "passed" : HTMLOutcome.css(v.outcome)))"
            if let gap = v.knownGap, v.outcome == .knownGap { outcome += " · known gap \(gap)" }
            let link = c.hasCard(i) ? " href=\"#\(c.verdictID(i))\"" : ""
            h += "<td class=\"out \(HTMLOutcome.css(v.outcome))\"><a\(link) title=\"\(esc(v.message))\">\(esc(outcome))</a></td>"
            let cells = cells(v, actors: c.actors)
            for a in c.actors {
                let attrs = "data-actor=\"\(esc(a))\" data-event=\"\(esc(v.id))\""
                guard let cell = cells[a] else {
                    h += "<td class=\"cell none\" \(attrs) data-state=\"none\"></td>"
                    continue
                }
                let (mark, word) = label(cell.state)
                let inner = "<span class=\"mark\">\(mark)</span> \(word)\(cell.detail.isEmpty ? "" : " <span class=\"t\">\(esc(cell.detail))</span>")"
                let body = cell.seq.map { "<a href=\"#\(c.entryID($0))\">\(inner)</a>" } ?? inner
                h += "<td class=\"cell \(cell.state.rawValue)\" \(attrs) data-state=\"\(cell.state.rawValue)\" title=\"\(esc(cell.title))\">\(body)</td>"
            }
            h += "</tr>\n"
        }
        h += "</tbody></table></div>\n"
        h += "<p class=\"legend\"><span class=\"key received\">✔ received</span> <span class=\"key missing\">✘ missing</span> "
        h += "<span class=\"key wrong-recipient\">⚠ wrong recipient</span> <span class=\"key duplicate\">⚠ duplicate</span> "
        h += "<span class=\"key late\">◔ late</span> <span class=\"key none\">blank: not expected, not received (or not known)</span></p>\n"
        h += "</section>\n"
        return h
    }
}
