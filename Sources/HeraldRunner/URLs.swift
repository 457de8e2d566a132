import Foundation
import HeraldCore

/// Building request and socket URLs from a service's base URL and a contract's path.
enum URLs {
    /// Whether `text` holds `://` (an absolute URL), read as bytes.
    static func hasScheme(_ text: String) -> Bool {
        var previous: (UInt8, UInt8) = (0, 0)
        for b in text.utf8 {
            if previous == (UInt8(ascii: ":"), UInt8(ascii: "/")), b == UInt8(ascii: "/") { return true }
            previous = (previous.1, b)
        }
        return false
    }

    /// `base` + `path`, or `path` alone when it is a full URL.
    static func join(_ base: String?, _ path: String) -> String {
        guard let base, !hasScheme(path) else { return path }
        // Read as bytes: a request's URL is joined at every step.
        var b = base
        while b.utf8.last == UInt8(ascii: "/") { b.removeLast() }
        return path.utf8.first == UInt8(ascii: "/") ? b + path : b + "/" + path
    }

    /// `url` with `query` appended, URL-encoded.
    static func appending(query: [(String, String)], to url: String) -> String {
        guard !query.isEmpty else { return url }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#")
        let q = query.map { k, v in
            "\(k.addingPercentEncoding(withAllowedCharacters: allowed) ?? k)=\(v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v)"
        }.joined(separator: "&")
        return url + (url.contains("?") ? "&" : "?") + q
    }

    /// An http(s) URL turned into the ws(s) URL of the same place.
    static func webSocket(_ url: String) -> String {
        if url.hasPrefix("https://") { return "wss://" + url.dropFirst(8) }
        if url.hasPrefix("http://") { return "ws://" + url.dropFirst(7) }
        return url
    }

    /// The URL with any password in its userinfo masked.
    static func masked(_ url: String) -> String { URLCredentials.masked(url) }

    /// A broker's URL with its credentials masked, a bare userinfo too (a NATS token, a Redis password).
    static func maskedBroker(_ url: String) -> String { URLCredentials.masked(url, bareSecret: true) }

    /// `url` with `user` and `password` as its userinfo (percent-encoded), replacing any it had.
    static func withCredentials(_ url: String, user: String, password: String) -> String {
        guard var parts = URLComponents(string: url) else { return url }
        parts.user = user
        parts.password = password
        return parts.string ?? url
    }
}
