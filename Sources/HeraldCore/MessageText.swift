import Foundation

/// How a received message's bytes are shown and matched, whatever carried them (a WebSocket text or binary frame, a
/// broker message): valid UTF-8 as its text, and anything else as `base64:` followed by its Base64 text, so that no
/// byte is lost or replaced and a person can tell the two apart.
public enum MessageText {
    /// The prefix of a message that is not UTF-8 text.
    public static let base64Prefix = "base64:"

    /// The text of `bytes`: the bytes themselves when they are UTF-8 (`isUTF8`), their Base64 form otherwise.
    public static func decode(_ bytes: [UInt8]) -> (text: String, isUTF8: Bool) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, true) }
        return (base64Prefix + Data(bytes).base64EncodedString(), false)
    }
}
