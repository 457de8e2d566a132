/// Splitting and masking `nats://` URLs.
///
/// libnats reads credentials from the URL itself, but Herald hands it a URL without them (`nats://host:port`) and
/// passes user, password or token through `natsOptions_SetUserInfo` / `natsOptions_SetToken`, so that no
/// secret ever sits in a string libnats might print.
struct NATSURL: Sendable {
    /// `nats://host:port`, IPv6 hosts bracketed, no credentials.
    let serverURL: String
    let host: String
    let port: Int
    let user: String?
    let password: String?
    /// A userinfo without a colon (`nats://TOKEN@host`) is a token.
    let token: String?

    init?(_ text: String) {
        guard let parts = URLParts(text), parts.scheme == "nats" else { return nil }
        guard parts.pathAndQuery == "/" else { return nil }
        host = parts.host
        port = parts.explicitPort ? parts.port : 4222
        let h = parts.isIPv6Literal ? "[\(parts.host)]" : parts.host
        serverURL = "nats://\(h):\(port)"
        if let password = parts.password {
            user = parts.user
            self.password = password
            token = nil
        } else {
            user = nil
            password = nil
            token = parts.user.flatMap { $0.isEmpty ? nil : $0 }
        }
    }

    /// The secrets in the URL, for scrubbing library messages.
    var secrets: [String] { [password, token].compactMap { $0 }.filter { !$0.isEmpty } }

    /// `url` with its credentials masked (see `SecretText.maskedURL`).
    static func masked(_ url: String) -> String { SecretText.maskedURL(url) }
}
