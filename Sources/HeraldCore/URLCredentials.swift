/// Credentials in URLs, kept out of text: one rule for every place a URL is shown.
public enum URLCredentials {
    /// `url` with the password of its userinfo replaced by `mask` (`ws://u:•••@host/`); with `bareSecret`, a userinfo
    /// without a colon is masked whole too (`nats://•••@host`: NATS reads it as a token, Redis as a password), which
    /// for an HTTP URL would only hide a user name. Only the authority is looked at; other text is unchanged.
    public static func masked(_ url: String, mask: String = Redactor.mask, bareSecret: Bool = false) -> String {
        // Most URLs hold no credentials: one look at their bytes first.
        guard url.utf8.contains(UInt8(ascii: "@")), let sep = url.range(of: "://") else { return url }
        let rest = url[sep.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return url }
        let info = rest[..<at]
        if let colon = info.firstIndex(of: ":") {
            return String(url[..<sep.upperBound]) + info[...colon] + mask + rest[at...]
        }
        return bareSecret && !info.isEmpty ? String(url[..<sep.upperBound]) + mask + rest[at...] : url
    }
}
