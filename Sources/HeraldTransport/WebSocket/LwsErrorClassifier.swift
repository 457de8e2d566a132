/// Turns what libwebsockets reports in `LWS_CALLBACK_CLIENT_CONNECTION_ERROR` into a `TransportError`.
///
/// lws 4.1.6 passes a short English reason ("Unable to connect", "HS: ws upgrade response not 101",
/// "connect SSL err 1: …", "server's cert didn't look good, …") and keeps the HTTP status of the upgrade
/// response, when there was one, for `lws_http_client_http_response`.
enum LwsErrorClassifier {
    static func classify(status: Int, message: String, session: WebSocketSession) -> TransportError {
        let url = session.url
        let detail = message.trimmingSpaceAndNewlines()
        if status > 0, status != 101 {
            return .upgradeRefused(status: status, url: url)
        }
        if detail.contains("ws upgrade unauthorized") {
            return .upgradeRefused(status: 401, url: url)
        }
        if detail.contains("Unable to connect") {
            return .connectionRefused(url: url)
        }
        if session.useTLS, isTLS(detail) {
            return .tlsFailure(url: url, detail: detail)
        }
        if let wrong = handshakeFault(detail) {
            return .protocolFailure(url: url, detail: wrong)
        }
        if detail.contains("closed before established") {
            return .protocolFailure(url: url, detail: "the server closed the connection during the handshake")
        }
        return .protocolFailure(url: url, detail: detail.isEmpty ? "the handshake failed" : detail)
    }

    /// What lws 4.1.6's check of the upgrade response found wrong (lib/roles/ws/client-ws.c), in words.
    private static func handshakeFault(_ message: String) -> String? {
        let faults = [
            ("HS: Accept hash wrong", "the server's Sec-WebSocket-Accept does not match the key sent (RFC 6455 §4.1)"),
            ("HS: ACCEPT missing", "the upgrade response has no Sec-WebSocket-Accept header (RFC 6455 §4.1)"),
            ("HS: UPGRADE missing", "the upgrade response has no Upgrade: websocket header (RFC 6455 §4.1)"),
            ("HS: Upgrade to something other than websocket", "the upgrade response's Upgrade header is not websocket (RFC 6455 §4.1)"),
            ("HS: UPGRADE malformed", "the upgrade response's Upgrade header is malformed (RFC 6455 §4.1)"),
        ]
        return faults.first { message.hasPrefix($0.0) }?.1
    }

    private static func isTLS(_ message: String) -> Bool {
        message.hasPrefix("connect SSL") || message.hasPrefix("connect SYSCALL") || message.hasPrefix("connect unk")
            || message.contains("cert") || message.contains("bio_create") || message.contains("tls")
    }
}

extension String {
    /// The string without leading and trailing spaces, newlines and NULs.
    func trimmingSpaceAndNewlines() -> String {
        func junk(_ c: Character) -> Bool { c == " " || c == "\n" || c == "\r" || c == "\r\n" || c == "\t" || c == "\0" }
        var s = Substring(self)
        while let c = s.first, junk(c) { s = s.dropFirst() }
        while let c = s.last, junk(c) { s = s.dropLast() }
        return String(s)
    }
}
