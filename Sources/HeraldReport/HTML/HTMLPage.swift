import HeraldCore

/// The page around the contracts: the document head with the inline style and script, the run's header (status,
/// partial banner, id, start, totals), a list of the contracts, and one section per contract.
enum HTMLPage {
    /// The whole page.
    static func render(_ result: RunResult, context: ReportContext) -> String {
        let esc = HTMLText.escape
        let status = HTMLOutcome.status(context.exitStatus(of: result))
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<meta name=\"generator\" content=\"Herald \(esc(context.version))\">\n"
        h += "<title>Herald · \(esc(status.words))\(result.isPartial ? " (partial)" : "") · run \(esc(context.runID))</title>\n"
        h += "<style>\n\(style)</style>\n</head>\n"
        h += "<body class=\"run-\(status.css)\(result.isPartial ? " partial" : "")\">\n"
        h += header(result, context: context, status: status)
        if result.contracts.count > 1 || !result.skipped.isEmpty { h += contents(result) }
        h += "<main>\n"
        if let load = context.load { h += LoadHTML.section(load) }
        for (i, c) in result.contracts.enumerated() { h += section(HTMLContract(c, index: i), strict: result.strict) }
        h += "</main>\n<footer>Herald \(esc(context.version)) · run \(esc(context.runID)) · every time is in milliseconds since the start of its contract, on the monotonic clock · report.json holds the same data for machines</footer>\n"
        h += "<script>\n\(script)</script>\n</body>\n</html>\n"
        return h
    }

    static func header(_ r: RunResult, context: ReportContext, status: (words: String, css: String)) -> String {
        let esc = HTMLText.escape
        let all = r.contracts.flatMap(\.verdicts)
        func n(_ o: Verdict.Outcome) -> Int { all.filter { $0.outcome == o }.count }
        let passedContracts = r.contracts.filter { $0.status(strict: r.strict) == .passed }.count
        let duration = r.contracts.reduce(0.0) { $0 + $1.duration.milliseconds }
        var h = "<header class=\"run \(status.css)\" data-status=\"\(status.css)\" data-partial=\"\(r.isPartial)\">\n"
        h += "<div class=\"headline\"><span class=\"brand\">Herald</span> <span class=\"badge \(status.css)\">\(esc(status.words))</span>"
        if r.isPartial { h += " <span class=\"badge partial\">partial</span>" }
        h += "</div>\n<dl class=\"facts\">"
        h += "<div><dt>run</dt><dd><code>\(esc(context.runID))</code></dd></div>"
        h += "<div><dt>started</dt><dd>\(esc(context.startedAt))</dd></div>"
        h += "<div><dt>contracts</dt><dd>\(passedContracts) of \(r.contracts.count) passed\(r.skipped.isEmpty ? "" : ", \(r.skipped.count) not run")</dd></div>"
        h += "<div><dt>expectations</dt><dd><span class=\"n passed\">\(n(.passed)) passed</span> · <span class=\"n failed\">\(n(.failed)) failed</span>"
        if n(.knownGap) > 0 { h += " · <span class=\"n known-gap\">\(n(.knownGap)) known gap\(n(.knownGap) == 1 ? "" : "s")\(r.strict ? " (failing: --strict)" : "")</span>" }
        if n(.notRun) > 0 { h += " · <span class=\"n not-run\">\(n(.notRun)) not run</span>" }
        h += "</dd></div>"
        h += "<div><dt>time</dt><dd>\(esc(HTMLText.ms(duration)))</dd></div>"
        h += "<div><dt>herald</dt><dd>\(esc(context.version))</dd></div>"
        h += "</dl>\n</header>\n"
        if r.isPartial {
            var why: [String] = []
            if r.interrupted || r.contracts.contains(where: \.interrupted) { why.append("it was interrupted (Ctrl-C)") }
            let infra = r.contracts.filter { $0.infrastructureError != nil }.map(\.name)
            if !infra.isEmpty { why.append("an infrastructure error stopped \(infra.joined(separator: ", "))") }
            if !r.skipped.isEmpty { why.append("\(r.skipped.count) contract\(r.skipped.count == 1 ? " was" : "s were") not run (\(r.skipped.joined(separator: ", ")))") }
            h += "<div class=\"partial-banner\" role=\"alert\"><b>Partial run.</b> The run stopped early: \(esc(why.joined(separator: "; "))). "
            h += "What this page shows is complete only as far as the run went; expectations it never reached are missing or marked not run.</div>\n"
        }
        return h
    }

    static func contents(_ r: RunResult) -> String {
        let esc = HTMLText.escape
        var h = "<nav class=\"contents\"><ul>"
        for (i, c) in r.contracts.enumerated() {
            let s = HTMLOutcome.status(c.status(strict: r.strict))
            h += "<li class=\"\(s.css)\"><a href=\"#c\(i)\"><span class=\"mark\">\(mark(s.css))</span> \(esc(c.name))</a> <span class=\"dim\">\(esc(s.words))</span></li>"
        }
        for name in r.skipped { h += "<li class=\"skipped\"><span class=\"mark\">–</span> \(esc(name)) <span class=\"dim\">not run</span></li>" }
        return h + "</ul></nav>\n"
    }

    static func mark(_ css: String) -> String {
        switch css {
        case "passed": "✔"
        case "infrastructure": "!"
        default: "✘"
        }
    }

    static func section(_ c: HTMLContract, strict: Bool) -> String {
        let esc = HTMLText.escape
        let r = c.result
        let s = HTMLOutcome.status(r.status(strict: strict))
        var h = "<section class=\"contract \(s.css)\" id=\"c\(c.index)\" data-contract=\"\(esc(r.name))\">\n"
        h += "<h2><span class=\"mark\">\(mark(s.css))</span> \(esc(r.name)) <span class=\"badge \(s.css)\">\(esc(s.words))</span></h2>\n"
        var meta = "\(r.location.description) · \(HTMLText.ms(r.duration.milliseconds)) · \(r.verdicts.count) expectation\(r.verdicts.count == 1 ? "" : "s")"
        let failed = r.count(.failed), gaps = r.count(.knownGap), notRun = r.count(.notRun)
        if failed > 0 { meta += ", \(failed) failed" }
        if gaps > 0 { meta += ", \(gaps) known gap\(gaps == 1 ? "" : "s")" }
        if notRun > 0 { meta += ", \(notRun) not run" }
        if !r.actors.isEmpty { meta += " · actors: " + r.actors.joined(separator: ", ") }
        h += "<p class=\"meta\">\(esc(meta))</p>\n"
        if let infra = r.infrastructureError {
            h += "<div class=\"infra\" role=\"alert\"><b>Infrastructure error.</b><pre>\(esc(infra))</pre></div>\n"
        }
        if r.interrupted { h += "<div class=\"partial-banner\">Interrupted: this contract stopped before all its expectations were judged.</div>\n" }
        h += RecipientMatrix.render(c)
        h += Swimlanes.render(c)
        h += VerdictCards.failures(c)
        h += VerdictCards.all(c)
        return h + "</section>\n"
    }

    // MARK: style and script

    /// The page's CSS. No fonts, images or anything else from the network.
    static let style = """
    :root { --pass: #15803d; --pass-bg: #dcfce7; --fail: #b91c1c; --fail-bg: #fee2e2; --wr: #be185d; --wr-bg: #fce7f3;
      --warn: #92400e; --warn-bg: #fef3c7; --infra: #9a3412; --infra-bg: #ffedd5; --muted: #64748b; --line: #e2e8f0;
      --ink: #0f172a; --label: 200px; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #f8fafc; }
    code, pre, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; }
    a { color: #1d4ed8; }
    .dim, .hint, .loc { color: var(--muted); }
    section.load { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 8px 16px; margin: 16px 0; }
    table.load { border-collapse: collapse; margin: 8px 0; } table.load td, table.load th { border-bottom: 1px solid var(--line); padding: 3px 10px; text-align: right; }
    table.load tr.failed td { color: var(--fail); } .breach { color: var(--fail); } .saturation { color: var(--fail); }
    .load-chart { width: 100%; max-width: 720px; height: auto; font-size: 11px; }
    .load-chart .axis { stroke: var(--muted); } .load-chart line.saturation { stroke: var(--fail); stroke-dasharray: 4 3; }
    .load-chart polyline { fill: none; stroke-width: 2; } .load-chart .http { stroke: #1d4ed8; fill: #1d4ed8; } .load-chart .delivery { stroke: #c2410c; fill: #c2410c; }
    .load-chart polyline.p95 { stroke-dasharray: 6 3; } .load-chart polyline.p99 { stroke-dasharray: 2 3; } .load-chart text.http, .load-chart text.delivery { stroke: none; }
    .hint { margin: 2px 0 8px; font-size: 12.5px; }
    header.run { padding: 16px 24px 12px; background: #fff; border-bottom: 4px solid var(--pass); }
    header.run.failed { border-bottom-color: var(--fail); }
    header.run.infrastructure { border-bottom-color: var(--infra); }
    .headline { display: flex; align-items: center; gap: 10px; }
    .brand { font-size: 22px; font-weight: 700; letter-spacing: .5px; }
    .badge { display: inline-block; padding: 2px 10px; border-radius: 999px; font-size: 13px; font-weight: 700; text-transform: uppercase; letter-spacing: .4px; background: var(--pass-bg); color: var(--pass); }
    .badge.failed { background: var(--fail-bg); color: var(--fail); }
    .badge.infrastructure { background: var(--infra-bg); color: var(--infra); }
    .badge.partial { background: #fde047; color: #713f12; }
    h2 .badge { font-size: 11px; vertical-align: middle; }
    dl.facts { display: flex; flex-wrap: wrap; gap: 6px 28px; margin: 10px 0 0; }
    dl.facts div { display: flex; gap: 6px; align-items: baseline; }
    dl.facts dt { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .4px; }
    dl.facts dd { margin: 0; }
    .n.failed { color: var(--fail); font-weight: 600; } .n.passed { color: var(--pass); } .n.known-gap { color: var(--warn); } .n.not-run { color: var(--muted); }
    .partial-banner { margin: 0; padding: 10px 24px; background: #fef08a; color: #713f12; border-bottom: 1px solid #facc15; }
    section.contract .partial-banner { margin: 8px 0; border: 1px solid #facc15; border-radius: 6px; }
    nav.contents { padding: 8px 24px; background: #fff; border-bottom: 1px solid var(--line); }
    nav.contents ul { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 4px 22px; }
    nav.contents a { text-decoration: none; color: var(--ink); font-weight: 600; }
    nav.contents .failed .mark { color: var(--fail); } nav.contents .passed .mark { color: var(--pass); } nav.contents .infrastructure .mark { color: var(--infra); }
    main { padding: 8px 24px 24px; }
    section.contract { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 4px 18px 16px; margin: 16px 0; }
    section.contract > h2 { margin: 12px 0 2px; font-size: 19px; }
    section.contract.failed > h2 .mark { color: var(--fail); } section.contract.passed > h2 .mark { color: var(--pass); } section.contract.infrastructure > h2 .mark { color: var(--infra); }
    .meta { margin: 0 0 8px; color: var(--muted); font-size: 12.5px; }
    h3 { font-size: 15px; margin: 18px 0 2px; }
    .infra { background: var(--infra-bg); border: 1px solid #fdba74; color: var(--infra); border-radius: 6px; padding: 8px 12px; margin: 8px 0; }
    .infra pre { margin: 4px 0 0; white-space: pre-wrap; word-break: break-word; }
    .scroll-x { overflow-x: auto; }

    /* the recipient matrix */
    table.matrix { border-collapse: separate; border-spacing: 3px; font-size: 13px; }
    table.matrix th.actor { min-width: 120px; padding: 4px 8px; text-align: center; background: #f1f5f9; border-radius: 4px; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
    table.matrix th.ev, table.matrix th.out { text-align: left; font-weight: 600; color: var(--muted); font-size: 12px; }
    table.matrix tbody th.ev { font-weight: normal; color: var(--ink); max-width: 460px; padding: 4px 8px 4px 0; }
    table.matrix tbody th.ev code { background: #f1f5f9; padding: 1px 4px; border-radius: 3px; word-break: break-word; }
    table.matrix th.ev .loc { display: block; font-size: 11px; }
    .kind { display: inline-block; font-size: 11px; padding: 0 6px; border-radius: 3px; background: #e0e7ff; color: #3730a3; font-weight: 600; }
    table.matrix tr.step-row th { text-align: left; padding: 10px 0 2px; font-size: 12.5px; color: #334155; border-bottom: 1px solid var(--line); }
    td.out { white-space: nowrap; padding: 4px 10px 4px 4px; font-size: 12.5px; }
    td.out a { text-decoration: none; color: var(--pass); }
    td.out.failed a { color: var(--fail); font-weight: 700; } td.out.known-gap a { color: var(--warn); font-weight: 600; } td.out.not-run a { color: var(--muted); }
    .cell, .key { text-align: center; white-space: nowrap; border-radius: 4px; padding: 4px 8px; }
    .cell a { color: inherit; text-decoration: none; display: block; }
    .cell .t { font-size: 11px; opacity: .8; }
    .cell.none { background: #f8fafc; }
    .received { background: var(--pass-bg); color: var(--pass); }
    .missing, .too-few { background: var(--fail-bg); color: var(--fail); font-weight: 600; box-shadow: inset 0 0 0 2px #fca5a5; }
    .wrong-recipient.cell, .wrong-recipient.key { background: var(--wr); color: #fff; font-weight: 700; box-shadow: inset 0 0 0 2px #831843; }
    .unexpected.cell, .unexpected.key { background: var(--fail); color: #fff; font-weight: 700; }
    .late, .duplicate { background: var(--warn-bg); color: var(--warn); font-weight: 600; box-shadow: inset 0 0 0 2px #fcd34d; }
    .dropped.cell { background: #e2e8f0; color: var(--fail); font-weight: 600; }
    tr.event.passed .cell.received { opacity: .9; }
    .legend { font-size: 12px; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 6px 0 0; }
    .legend .key { padding: 1px 8px; }
    .key.none { background: #f8fafc; color: var(--muted); border: 1px dashed var(--line); }

    /* the swimlanes */
    .timeline { position: relative; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
    .zoom { display: none; gap: 4px; align-items: center; padding: 4px 8px; font-size: 12px; color: var(--muted); border-bottom: 1px solid var(--line); }
    body[data-js] .zoom { display: flex; }
    .zoom button { font: inherit; font-size: 12px; border: 1px solid #cbd5e1; background: #fff; border-radius: 4px; padding: 0 8px; cursor: pointer; }
    .zoom button.on { background: #1e293b; color: #fff; border-color: #1e293b; }
    .tl-scroll { overflow-x: auto; }
    .tl-inner { position: relative; width: calc(var(--zoom) * 100%); min-width: 100%; overflow-x: clip; }
    .lane { display: grid; grid-template-columns: var(--label) 1fr; border-top: 1px solid #f1f5f9; }
    .lane.group-start { border-top: 2px solid #cbd5e1; }
    .lane.axis { height: 22px; border-top: none; }
    .lane.kind-steps, .lane.kind-verdicts { background: #f8fafc; }
    .lane-label { position: sticky; left: 0; z-index: 3; background: #fff; border-right: 1px solid var(--line); padding: 3px 8px; font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
    .lane.kind-steps .lane-label, .lane.kind-verdicts .lane-label, .lane.axis .lane-label { background: #f8fafc; color: var(--muted); }
    .lane-label .who { font-family: ui-monospace, Menlo, Consolas, monospace; font-weight: 600; }
    .lane-label .what { color: var(--muted); }
    .lane.kind-http .lane-label .what { color: #0369a1; }
    .track { position: relative; }
    .guides { position: absolute; top: 0; bottom: 0; left: var(--label); right: 0; pointer-events: none; z-index: 0; }
    .tick { position: absolute; top: 0; bottom: 0; border-left: 1px solid #e9eef5; }
    .tick span { position: absolute; top: 3px; left: 3px; font-size: 10.5px; color: var(--muted); white-space: nowrap; }
    .guide { position: absolute; top: 22px; bottom: 0; border-left: 1px dashed #94a3b8; }
    .band { position: absolute; bottom: 2px; height: 3px; border-radius: 2px; background: #bbf7d0; }
    .band.dropped { background: linear-gradient(to right, #bbf7d0 85%, #ef4444); }
    .item { position: absolute; margin-left: -8px; font-size: 11.5px; line-height: 18px; white-space: nowrap; }
    .item[open] { z-index: 60; }
    .item > summary { list-style: none; cursor: pointer; display: flex; align-items: center; gap: 3px; height: 18px; padding: 0 4px 0 1px; border-radius: 9px; }
    .item > summary::-webkit-details-marker { display: none; }
    .item > summary:hover { background: #e2e8f0; }
    .item .g { flex: none; display: inline-block; width: 15px; height: 15px; border-radius: 50%; text-align: center; line-height: 15px; font-size: 10px; background: #2563eb; color: #fff; }
    .item .lbl { color: #334155; }
    .item.frame.sent .g { background: #7c3aed; }
    .item.frame.matched .g { box-shadow: 0 0 0 2px #22c55e; }
    .item.frame.nearest .g { box-shadow: 0 0 0 2px #f59e0b; }
    .item.frame.unexpected > summary { background: var(--fail); }
    .item.frame.unexpected .g { background: #fff; color: var(--fail); }
    .item.frame.unexpected .lbl { color: #fff; font-weight: 700; }
    .item.frame.duplicate > summary { background: var(--warn-bg); box-shadow: 0 0 0 1px #f59e0b; }
    .item.frame.duplicate .lbl { color: var(--warn); font-weight: 600; }
    .item.frame.duplicate .lbl::after { content: " duplicate"; font-weight: 400; }
    .item.wrong-recipient > summary { background: var(--wr); box-shadow: 0 0 0 2px #831843; }
    .item.wrong-recipient .g { background: #fff; color: var(--wr); box-shadow: none; }
    .item.wrong-recipient .lbl { color: #fff; font-weight: 700; }
    .item.wrong-recipient .lbl::after { content: " wrong recipient"; font-weight: 400; }
    .item.flip { margin-left: 0; margin-right: -8px; }
    .item.flip > summary { flex-direction: row-reverse; padding: 0 1px 0 4px; }
    .item.req { margin-left: 0; margin-right: 0; width: max(5px, var(--w)); }
    .item.req.flip .lbl { left: auto; right: calc(100% + 4px); }
    .item.req > summary { padding: 0; height: 18px; position: relative; }
    .item.req .bar { display: block; width: 100%; height: 10px; border-radius: 2px; background: #0ea5e9; }
    .item.req.s4xx .bar, .item.req.s5xx .bar { background: var(--fail); }
    .item.req.no-response .bar { background: repeating-linear-gradient(45deg, #94a3b8 0 3px, #e2e8f0 3px 6px); }
    .item.req .lbl { position: absolute; left: calc(100% + 4px); top: 0; }
    .item.req.s4xx .lbl, .item.req.s5xx .lbl { color: var(--fail); font-weight: 600; }
    .item.step .g { background: #475569; border-radius: 3px; }
    .item.step .lbl { font-weight: 600; color: #1e293b; }
    .item.verdict .g { background: var(--pass); }
    .item.verdict.passed { margin-left: -6px; }
    .item.verdict.passed .g { width: 11px; height: 11px; line-height: 11px; font-size: 8px; }
    .item.verdict.failed .g { background: var(--fail); }
    .item.verdict.failed .lbl { color: var(--fail); font-weight: 700; }
    .item.verdict.known-gap .g { background: #d97706; } .item.verdict.known-gap .lbl { color: var(--warn); }
    .item.verdict.not-run .g { background: #94a3b8; }
    .item.conn-open .g { background: #16a34a; font-size: 8px; }
    .item.conn-close .g { background: #94a3b8; font-size: 8px; }
    .item.conn-close.dropped .g { background: var(--fail); }
    .item.note .g { background: #a16207; }
    .item:target > summary, .card:target { outline: 3px solid #f59e0b; outline-offset: 1px; }
    .wr { color: var(--wr); font-weight: 700; }
    .bad { color: var(--fail); }
    .warn { color: var(--warn); }
    .pop { position: fixed; right: 16px; bottom: 16px; width: min(640px, calc(100vw - 32px)); max-height: 72vh; overflow: auto; z-index: 60;
      background: #fff; border: 1px solid #94a3b8; border-radius: 8px; box-shadow: 0 12px 32px rgba(15, 23, 42, .3); padding: 10px 14px;
      white-space: normal; font-size: 13px; line-height: 1.45; cursor: auto; }
    .pop h5 { font-size: 14px; margin: 0 24px 6px 0; word-break: break-word; }
    .pop h5.failed { color: var(--fail); }
    .pop h6 { font-size: 12px; margin: 10px 0 2px; text-transform: uppercase; color: var(--muted); }
    .pop dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }
    .pop dt { color: var(--muted); } .pop dd { margin: 0; word-break: break-word; }
    .pop .url { font-weight: normal; font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12.5px; }
    .pop .close { display: none; position: absolute; top: 4px; right: 8px; border: none; background: none; font-size: 20px; line-height: 1; cursor: pointer; color: var(--muted); }
    body[data-js] .pop .close { display: block; }
    .pop ul.marks { margin: 4px 0; padding-left: 18px; }
    .pop table { border-collapse: collapse; margin: 4px 0; font-size: 12px; }
    .pop table th, .pop table td { border: 1px solid var(--line); padding: 2px 6px; text-align: left; vertical-align: top; word-break: break-word; }
    .pop table caption { text-align: left; color: var(--muted); font-size: 11.5px; }
    .s2xx { color: var(--pass); } .s4xx, .s5xx { color: var(--fail); font-weight: 700; }
    pre.payload { background: #f8fafc; border: 1px solid var(--line); border-radius: 4px; padding: 8px; margin: 6px 0; white-space: pre-wrap; word-break: break-word; max-height: 46vh; overflow: auto; }

    /* failures */
    .card { border: 1px solid var(--line); border-left: 5px solid var(--fail); border-radius: 6px; padding: 8px 14px; margin: 10px 0; background: #fff; }
    .card.known-gap { border-left-color: #d97706; } .card.not-run { border-left-color: #94a3b8; }
    .card h4 { margin: 2px 0; font-size: 14px; }
    .card.failed h4 .mark { color: var(--fail); } .card.known-gap h4 .mark { color: #d97706; }
    .card .reason { font-size: 12px; background: var(--fail-bg); color: var(--fail); padding: 1px 7px; border-radius: 999px; }
    .card[data-reason="wrong-recipient"] .reason { background: var(--wr); color: #fff; }
    .card .gap { font-size: 12px; background: var(--warn-bg); color: var(--warn); padding: 1px 7px; border-radius: 999px; }
    .card .loc { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
    .card .msg { margin: 6px 0; word-break: break-word; }
    table.evidence, table.diff, table.verdicts { border-collapse: collapse; font-size: 12.5px; margin: 6px 0; }
    table.evidence th, table.evidence td, table.diff th, table.diff td, table.verdicts th, table.verdicts td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
    table.evidence th, table.diff th, table.verdicts th { background: #f8fafc; font-weight: 600; font-size: 12px; }
    table.evidence td.text { max-width: 560px; word-break: break-word; }
    table.evidence td.text summary { cursor: pointer; }
    tr.ev-wrong-recipient td:first-child { color: var(--wr); font-weight: 700; }
    tr.ev-unexpected td:first-child { color: var(--fail); font-weight: 700; }
    tr.ev-matched td:first-child { color: var(--pass); }
    tr.ev-nearest td:first-child { color: #b45309; font-weight: 600; }
    table.diff caption { text-align: left; font-weight: 600; font-size: 12.5px; padding: 4px 0; color: #b45309; }
    table.diff td.exp { background: var(--pass-bg); } table.diff td.act { background: var(--fail-bg); }
    table.diff td.missing { color: var(--fail); font-style: italic; }
    details.all { margin-top: 14px; }
    details.all > summary { cursor: pointer; color: #334155; font-weight: 600; }
    table.verdicts td.mark a { text-decoration: none; }
    table.verdicts tr.failed td.mark, table.verdicts tr.failed td.mark a { color: var(--fail); font-weight: 700; }
    table.verdicts tr.passed td.mark { color: var(--pass); }
    table.verdicts tr.known-gap td.mark, table.verdicts tr.known-gap td.mark a { color: #d97706; }
    footer { padding: 12px 24px 24px; color: var(--muted); font-size: 12px; }

    """

    /// The page's script: zoom buttons, one open detail panel at a time, Esc to close, open the item a link points
    /// at. Everything works without it, except zoom.
    static let script = """
    (function () {
      document.body.setAttribute('data-js', 'ready');
      function label(ms) {
        var a = Math.abs(ms);
        if (a < 10) { return (Math.round(ms * 10) / 10) + ' ms'; }
        if (a < 1000) { return Math.round(ms) + ' ms'; }
        return (Math.round(ms / 10) / 100) + ' s';
      }
      function ticks(tl, zoom) {
        var span = Number(tl.getAttribute('data-span')), guides = tl.querySelector('.guides');
        if (!(span > 0) || !guides) { return; }
        var raw = span / (10 * zoom), p = Math.pow(10, Math.floor(Math.log10(raw))), step = p * 10;
        [1, 2, 5, 10].some(function (m) { if (p * m >= raw) { step = p * m; return true; } return false; });
        guides.querySelectorAll('.tick').forEach(function (t) { t.remove(); });
        for (var n = 0; n * step <= span * 1.00001 && n <= 10 * zoom + 20; n++) {
          var t = document.createElement('div'), s = document.createElement('span');
          t.className = 'tick';
          t.style.left = (n * step / span * 100) + '%';
          s.textContent = label(n * step);
          if (n * step / span <= 0.96 || zoom > 1) { t.appendChild(s); }
          guides.appendChild(t);
        }
      }
      document.querySelectorAll('.timeline').forEach(function (tl) {
        var scroller = tl.querySelector('.tl-scroll');
        tl.querySelectorAll('button[data-zoom]').forEach(function (b) {
          b.addEventListener('click', function () {
            var centre = scroller ? (scroller.scrollLeft + scroller.clientWidth / 2) / scroller.scrollWidth : 0;
            tl.style.setProperty('--zoom', b.getAttribute('data-zoom'));
            tl.setAttribute('data-zoom', b.getAttribute('data-zoom'));
            tl.querySelectorAll('button[data-zoom]').forEach(function (o) { o.classList.toggle('on', o === b); });
            ticks(tl, Number(b.getAttribute('data-zoom')));
            if (scroller) { scroller.scrollLeft = centre * scroller.scrollWidth - scroller.clientWidth / 2; }
          });
        });
      });
      function closeAll(except) {
        document.querySelectorAll('details.item[open]').forEach(function (d) { if (d !== except) { d.open = false; } });
      }
      document.addEventListener('toggle', function (ev) {
        var d = ev.target;
        if (d && d.matches && d.matches('details.item') && d.open) { closeAll(d); }
      }, true);
      document.addEventListener('keydown', function (ev) { if (ev.key === 'Escape') { closeAll(null); } });
      document.addEventListener('click', function (ev) {
        var b = ev.target && ev.target.closest ? ev.target.closest('.pop .close') : null;
        if (b) { b.closest('details').open = false; ev.preventDefault(); }
      });
      function openTarget() {
        var id = decodeURIComponent(location.hash.slice(1));
        var el = id ? document.getElementById(id) : null;
        if (el && el.matches('details.item')) {
          el.open = true;
          el.scrollIntoView({ block: 'center', inline: 'center' });
        }
      }
      window.addEventListener('hashchange', openTarget);
      openTarget();
    })();

    """
}
