import HeraldContract
import HeraldCore

/// The load section of `report.html`: a table with a row per level, and an inline SVG chart of the HTTP and delivery
/// percentiles against the workers (no script, no network), with the saturation point marked.
enum LoadHTML {
    static func section(_ load: ReportContext.LoadRun) -> String {
        let esc = HTMLText.escape
        let summaries = load.summaries
        let breaches = load.breaches
        var h = "<section class=\"load\" id=\"load\">\n<h2>Load</h2>\n"
        h += chart(summaries, saturation: breaches.first?.level)
        let rows = LoadConsoleReport.rows(summaries)
        h += "<table class=\"load\"><thead><tr>" + rows[0].map { "<th>\(esc($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
        for (i, row) in rows.dropFirst().enumerated() {
            let css = summaries[i].failed > 0 || breaches.contains(where: { $0.level == i + 1 }) ? " class=\"failed\"" : ""
            h += "<tr\(css)>" + row.map { "<td>\(esc($0))</td>" }.joined() + "</tr>\n"
        }
        h += "</tbody></table>\n"
        for b in breaches { h += "<p class=\"breach\">✘ threshold \(esc(b.description))</p>\n" }
        if let first = breaches.first {
            h += "<p class=\"saturation\"><strong>Saturation point: level \(first.level) (\(esc(first.levelLabel))).</strong></p>\n"
        }
        return h + "</section>\n"
    }

    /// p50, p95 and p99 of HTTP calls and deliveries against the workers of each level, on one millisecond axis.
    static func chart(_ levels: [LoadLevelSummary], saturation: Int?) -> String {
        guard !levels.isEmpty else { return "" }
        let width = 640.0, height = 240.0, left = 56.0, bottom = 36.0, top = 12.0, right = 150.0
        let series: [(name: String, css: String, values: [Double])] = [50.0, 95, 99].flatMap { p in
            [("HTTP p\(Int(p))", "http p\(Int(p))", levels.map { $0.http.ms(at: p) }),
             ("delivery p\(Int(p))", "delivery p\(Int(p))", levels.map { $0.delivery.ms(at: p) })]
        }
        let peak = max(series.flatMap(\.values).max() ?? 1, 0.001)
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ i: Int) -> Double { levels.count == 1 ? left + plotW / 2 : left + plotW * Double(i) / Double(levels.count - 1) }
        func y(_ ms: Double) -> Double { top + plotH * (1 - ms / peak) }
        func f(_ v: Double) -> String { String(Double(Int(v * 10)) / 10) }
        var s = "<svg class=\"load-chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"latency percentiles against concurrency\">\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotH))\" x2=\"\(f(left + plotW))\" y2=\"\(f(top + plotH))\" class=\"axis\"/>\n"
        s += "<line x1=\"\(f(left))\" y1=\"\(f(top))\" x2=\"\(f(left))\" y2=\"\(f(top + plotH))\" class=\"axis\"/>\n"
        s += "<text x=\"\(f(left - 6))\" y=\"\(f(top + 4))\" text-anchor=\"end\">\(DurationFormat.figure(peak)) ms</text>\n"
        s += "<text x=\"\(f(left - 6))\" y=\"\(f(top + plotH))\" text-anchor=\"end\">0</text>\n"
        for (i, level) in levels.enumerated() {
            s += "<text x=\"\(f(x(i)))\" y=\"\(f(height - bottom + 16))\" text-anchor=\"middle\">\(HTMLText.escape(level.load))</text>\n"
        }
        let axis = levels.contains { $0.rate != nil } ? "arrival rate" : "workers"
        s += "<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 4))\" text-anchor=\"middle\">\(axis)</text>\n"
        if let saturation, saturation >= 1, saturation <= levels.count {
            let sx = f(x(saturation - 1))
            s += "<line x1=\"\(sx)\" y1=\"\(f(top))\" x2=\"\(sx)\" y2=\"\(f(top + plotH))\" class=\"saturation\"/>\n"
            s += "<text x=\"\(f(x(saturation - 1) + 4))\" y=\"\(f(top + plotH - 6))\" class=\"saturation\">saturation</text>\n"
        }
        for (k, line) in series.enumerated() {
            let points = line.values.enumerated().map { "\(f(x($0.offset))),\(f(y($0.element)))" }.joined(separator: " ")
            s += "<polyline class=\"\(line.css)\" points=\"\(points)\"/>\n"
            s += "<text x=\"\(f(width - right + 8))\" y=\"\(f(top + 14 + Double(k) * 16))\" class=\"\(line.css)\">\(line.name)</text>\n"
        }
        return s + "</svg>\n"
    }
}
