import HeraldCore

/// Escaping and small text helpers for `report.html`.
///
/// Every piece of text that comes from a run (frames, bodies, URLs, messages, names) goes through ``escape(_:)``
/// before it reaches the page, whether it ends up as element content or inside a quoted attribute value. The page's
/// own markup, CSS and script are the only unescaped text, and none of them holds data from the run.
enum HTMLText {
    /// `s` with `&`, `<`, `>`, `"` and `'` replaced by character references, and NUL by U+FFFD, so it is safe both
    /// as element content and inside a double- or single-quoted attribute value.
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\u{0}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// `s` on one line, cut to `n` characters with an ellipsis.
    static func clip(_ s: String, _ n: Int) -> String {
        let one = String(s.map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
        return one.count > n ? String(one.prefix(n)) + "…" : one
    }

    /// Milliseconds for people: `0.4 ms`, `15.7 ms`, `350 ms`, `2.35 s`.
    static func ms(_ v: Double) -> String {
        let a = abs(v)
        if a < 100 { return "\(Double(Int((v * 10).rounded())) / 10) ms" }
        if a < 1000 { return "\(Int(v.rounded())) ms" }
        return "\(Double(Int((v / 10).rounded())) / 100) s"
    }

    /// A number for a CSS percentage, with three decimals and no exponent.
    static func pct(_ v: Double) -> String {
        let clamped = v.isFinite ? v : 0
        let scaled = Int((clamped * 1000).rounded())
        let whole = scaled / 1000, frac = abs(scaled % 1000)
        let sign = scaled < 0 && whole == 0 ? "-" : ""
        let fracText = String(frac)
        return "\(sign)\(whole).\(String(repeating: "0", count: 3 - fracText.count))\(fracText)%"
    }

    /// The text of a frame or body for reading: indented when it is JSON, as it came otherwise.
    static func readable(_ text: String, json: JSONValue? = nil) -> String {
        if let value = json ?? JSONParser.parseIfJSON(Array(text.utf8)) { return value.prettyEncoded() }
        return text
    }

    /// A short name for a frame: its `type` (or `event`, `action`, …) field when it is a JSON object, else its start.
    static func frameLabel(_ text: String, json: JSONValue?) -> String {
        let value = json ?? JSONParser.parseIfJSON(Array(text.utf8))
        if let object = value?.objectValue {
            for key in ["type", "event", "action", "kind", "op", "name", "status"] {
                if let s = object[key]?.stringValue, !s.isEmpty { return clip(s, 28) }
            }
        }
        return clip(text, 20)
    }

    /// The path and query of a URL (`/offers/o-7/accept`), or the URL itself when it has no scheme.
    static func path(of url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return "/" }
        return String(rest[slash...])
    }

    /// The first `{…}` in `message` with balanced braces: the matcher summary of event verdicts.
    static func matcherSummary(in message: String) -> String? {
        guard let start = message.firstIndex(of: "{") else { return nil }
        var depth = 0
        var i = start
        while i < message.endIndex {
            let c = message[i]
            if c == "{" { depth += 1 }
            if c == "}" {
                depth -= 1
                if depth == 0 { return String(message[start...i]) }
            }
            i = message.index(after: i)
        }
        return nil
    }
}
