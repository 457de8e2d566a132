/// Keeping credentials out of text, for the NATS and Redis transports (whose URLs may carry a bare secret as
/// userinfo, which `URLText.masked` leaves alone).
enum SecretText {
    /// `url` with the password of its userinfo masked (`redis://:***@host`), and a userinfo without a colon
    /// masked whole (`nats://***@host`), since NATS reads it as a token and Redis as a password.
    static func maskedURL(_ url: String) -> String {
        let once = URLText.masked(url)
        guard let sep = once.range(of: "://") else { return once }
        let rest = once[sep.upperBound...]
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@") else { return once }
        let info = rest[..<at]
        if info.contains(":") || info == "***" { return once }
        return String(once[..<sep.upperBound]) + "***" + rest[at...]
    }

    /// `text` with every occurrence of each secret replaced by `***` (for messages a C library produced).
    static func scrub(_ text: String, _ secrets: [String]) -> String {
        var out = text
        for secret in secrets where !secret.isEmpty {
            out = out.replacing(secret, with: "***")
        }
        return out
    }
}
