/// A WebSocket server broke RFC 6455, and the client failed the connection for it (§7.1.7).
///
/// The description names the violation and the section it breaks, for example
/// `server sent a masked frame (RFC 6455 §5.1)`; it is also the reason of the Close frame Herald sends and of the
/// connection's `.closed` event, whose code is ``closeCode`` (§7.4.1: 1002 protocol error, 1007 invalid payload
/// data, 1009 message too big).
public struct WebSocketViolation: Error, CustomStringConvertible, Sendable, Equatable {
    private enum Code: Sendable, Equatable {
        case masked
        case reservedBits
        case reservedOpcode
        case orphanContinuation
        case newMessageInsideFragmented
        case fragmentedControl
        case controlTooLong
        case lengthTooLarge
        case rejectedFrame
        case closePayloadOneByte
        case invalidCloseCode(Int)
        case closeReasonNotUTF8
        case textNotUTF8
        case messageTooBig(limit: Int)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// A frame with the mask bit set: only clients mask (§5.1).
    public static let masked = WebSocketViolation(.masked)
    /// RSV1, RSV2 or RSV3 set without an extension that gives them a meaning (§5.2).
    public static let reservedBits = WebSocketViolation(.reservedBits)
    /// An opcode that RFC 6455 reserves (3–7, 0xB–0xF) (§5.2).
    public static let reservedOpcode = WebSocketViolation(.reservedOpcode)
    /// A continuation frame with no fragmented message to continue (§5.4).
    public static let orphanContinuation = WebSocketViolation(.orphanContinuation)
    /// A new text or binary frame while a fragmented message was still unfinished (§5.4).
    public static let newMessageInsideFragmented = WebSocketViolation(.newMessageInsideFragmented)
    /// A control frame (close, ping, pong) without FIN (§5.5).
    public static let fragmentedControl = WebSocketViolation(.fragmentedControl)
    /// A control frame with a payload over 125 bytes (§5.5).
    public static let controlTooLong = WebSocketViolation(.controlTooLong)
    /// A 64-bit payload length with its most significant bit set (§5.2).
    public static let lengthTooLarge = WebSocketViolation(.lengthTooLarge)
    /// A frame libwebsockets rejected without saying which rule it broke.
    public static let rejectedFrame = WebSocketViolation(.rejectedFrame)
    /// A Close frame whose payload is one byte: half a status code (§5.5.1).
    public static let closePayloadOneByte = WebSocketViolation(.closePayloadOneByte)
    /// A Close frame whose reason is not UTF-8 (§5.5.1).
    public static let closeReasonNotUTF8 = WebSocketViolation(.closeReasonNotUTF8)
    /// A text message that is not UTF-8 (§8.1).
    public static let textNotUTF8 = WebSocketViolation(.textNotUTF8)

    /// A Close frame with a status code that may not be sent (§7.4).
    public static func invalidCloseCode(_ status: Int) -> WebSocketViolation { WebSocketViolation(.invalidCloseCode(status)) }

    /// A message longer than the connection's `maxMessageSize`.
    public static func messageTooBig(limit: Int) -> WebSocketViolation { WebSocketViolation(.messageTooBig(limit: limit)) }

    /// Whether a peer may send `status` in a Close frame (RFC 6455 §7.4.1, §7.4.2 and the IANA registry): 1000–1003,
    /// 1007–1014, and 3000–4999 for libraries, frameworks and applications. 1004 is reserved, 1005, 1006 and 1015 are
    /// never sent, and the rest of 1000–2999 is unassigned.
    public static func isValidCloseCode(_ status: Int) -> Bool {
        switch status {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    /// The close code the client fails the connection with (RFC 6455 §7.4.1).
    public var closeCode: Int {
        switch code {
        case .closeReasonNotUTF8, .textNotUTF8: return 1007
        case .messageTooBig: return 1009
        default: return 1002
        }
    }

    /// What the server did, naming the rule (at most 123 bytes: it is also the reason of the Close frame).
    public var description: String {
        switch code {
        case .masked: return "server sent a masked frame (RFC 6455 §5.1)"
        case .reservedBits: return "server set reserved bits RSV1-3 without a negotiated extension (RFC 6455 §5.2)"
        case .reservedOpcode: return "server sent a frame with a reserved opcode (RFC 6455 §5.2)"
        case .orphanContinuation: return "server sent a continuation frame with no message to continue (RFC 6455 §5.4)"
        case .newMessageInsideFragmented: return "server began a new message inside a fragmented one (RFC 6455 §5.4)"
        case .fragmentedControl: return "server sent a fragmented control frame (RFC 6455 §5.5)"
        case .controlTooLong: return "server sent a control frame with a payload over 125 bytes (RFC 6455 §5.5)"
        case .lengthTooLarge: return "server sent a payload length with the most significant bit set (RFC 6455 §5.2)"
        case .rejectedFrame: return "server sent a frame that breaks RFC 6455 §5 (libwebsockets rejected it)"
        case .closePayloadOneByte: return "server sent a Close frame with a 1-byte payload (RFC 6455 §5.5.1)"
        case .invalidCloseCode(let status): return "server sent the invalid close code \(status) (RFC 6455 §7.4)"
        case .closeReasonNotUTF8: return "server sent a close reason that is not UTF-8 (RFC 6455 §5.5.1)"
        case .textNotUTF8: return "invalid UTF-8 in a text message"
        case .messageTooBig(let limit): return "a message over the limit of \(limit) bytes"
        }
    }
}

extension WebSocketViolation: TransportDiagnosis {
    /// What to check.
    public var hint: String? {
        switch code {
        case .messageTooBig: return "raise the channel's max_message_size if such messages are expected"
        default: return "the server's WebSocket implementation breaks RFC 6455: check its framing (or a proxy in between)"
        }
    }
}
