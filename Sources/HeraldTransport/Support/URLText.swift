import HeraldCore

/// The pieces of an absolute URL that the transports need, split without Foundation.
struct URLParts: Sendable, Equatable {
    /// Lower-cased scheme, e.g. `wss`.
    var scheme: String
    /// Host name or address, without IPv6 brackets.
    var host: String
    /// Explicit port, or the scheme's default.
    var port: Int
    /// Whether the URL named the port explicitly.
    var explicitPort: Bool
    /// Path and query, starting with `/` (the fragment is dropped).
    var pathAndQuery: String
    /// `user` and `password` from the userinfo, if any.
    var user: String?
    var password: String?

    /// True for `[::1]`-style hosts.
    var isIPv6Literal: Bool { host.contains(":") }

    /// The value of a `Host` header: the host, bracketed when IPv6, with the port when it is not the default.
    var hostHeader: String {
        let h = isIPv6Literal ? "[\(host)]" : host
        return explicitPort && port != Self.defaultPort(scheme) ? "\(h):\(port)" : h
    }

    static func defaultPort(_ scheme: String) -> Int {
        switch scheme {
        case "https", "wss": 443
        default: 80
        }
    }

    /// Splits `text`, or returns nil when it is not an absolute URL with a host.
    init?(_ text: String) {
        guard let sep = text.range(of: "://") else { return nil }
        scheme = text[..<sep.lowerBound].lowercased()
        guard !scheme.isEmpty else { return nil }
        var rest = text[sep.upperBound...]
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        pathAndQuery = tail.isEmpty ? "/" : (tail.first == "?" ? "/" + tail : String(tail))
        if let at = authority.lastIndex(of: "@") {
            let info = authority[..<at]
            if let colon = info.firstIndex(of: ":") {
                user = String(info[..<colon])
                password = String(info[info.index(after: colon)...])
            } else {
                user = String(info)
            }
            authority = authority[authority.index(after: at)...]
        }
        var portText: Substring?
        if authority.first == "[" {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = String(authority[authority.index(after: authority.startIndex)..<close])
            let after = authority[authority.index(after: close)...]
            if after.first == ":" { portText = after.dropFirst() } else if !after.isEmpty { return nil }
        } else if let colon = authority.lastIndex(of: ":") {
            host = String(authority[..<colon])
            portText = authority[authority.index(after: colon)...]
        } else {
            host = String(authority)
        }
        guard !host.isEmpty else { return nil }
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { return nil }
            port = p
            explicitPort = true
        } else {
            port = Self.defaultPort(scheme)
            explicitPort = false
        }
    }
}

/// URL helpers for messages.
enum URLText {
    /// `url` with the password of its userinfo replaced by `***` (`ws://u:***@host/`). Other text is unchanged.
    static func masked(_ url: String) -> String { URLCredentials.masked(url, mask: "***") }
}
