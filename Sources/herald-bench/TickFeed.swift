/// The frames of a burst: `{"type":"tick","n":…,"user":…,"payload":{…}}`, a few hundred bytes each, deterministic in
/// `n` so that the server and the contract agree on what frame `n` holds without talking.
enum TickFeed {
    /// The symbols a tick can be about.
    static let symbols = ["ACME", "GLOBX", "INITE", "UMBRL", "WAYNE", "STARK", "OSCRP", "TYRL"]
    /// The venues a tick can come from.
    static let venues = ["XNAS", "XNYS", "BATS", "ARCX"]

    /// The user frame `n` is addressed to.
    static func user(_ n: Int) -> String { "u-\(n % 10)" }

    /// The JSON text of frame `n`.
    static func json(_ n: Int) -> String {
        let symbol = symbols[n % symbols.count]
        let venue = venues[(n / 3) % venues.count]
        let side = n % 2 == 0 ? "buy" : "sell"
        let cents = 10_000 + (n * 7919) % 90_000
        let price = "\(cents / 100).\(cents % 100 < 10 ? "0" : "")\(cents % 100)"
        let qty = 1 + (n * 31) % 500
        let millis = n % 1000
        let seconds = (n / 1000) % 60
        let minutes = (n / 60_000) % 60
        let ts = "2025-06-01T12:\(pad2(minutes)):\(pad2(seconds)).\(pad3(millis))Z"
        let order = "ord-\(String(repeating: "0", count: max(0, 8 - String(n).count)))\(n)"
        return """
            {"type":"tick","n":\(n),"user":"\(user(n))","payload":{"symbol":"\(symbol)","side":"\(side)","price":\(price),\
            "qty":\(qty),"venue":"\(venue)","orderId":"\(order)","seq":\(n),"ts":"\(ts)","flags":["lit","regular"],\
            "book":{"bid":\(price),"ask":\(price),"depth":\(n % 17)},"note":"synthetic market tick for the herald ingest benchmark"}}
            """
    }

    /// `v` as two digits.
    private static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    /// `v` as three digits.
    private static func pad3(_ v: Int) -> String { v < 10 ? "00\(v)" : v < 100 ? "0\(v)" : "\(v)" }
}
