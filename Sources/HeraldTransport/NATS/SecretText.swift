import HeraldCore

/// Keeping credentials out of text, for the NATS and Redis transports (whose URLs may carry a bare secret as
/// userinfo, which `URLText.masked` leaves alone).
enum SecretText {
    /// `url` with the password of its userinfo masked (`redis://:***@host`), and a userinfo without a colon
    /// masked whole (`nats://***@host`), since NATS reads it as a token and Redis as a password.
    static func maskedURL(_ url: String) -> String { URLCredentials.masked(url, mask: "***", bareSecret: true) }

    /// `text` with every occurrence of each secret replaced by `***` (for messages a C library produced).
    static func scrub(_ text: String, _ secrets: [String]) -> String {
        var out = text
        for secret in secrets where !secret.isEmpty {
            out = out.replacing(secret, with: "***")
        }
        return out
    }
}
