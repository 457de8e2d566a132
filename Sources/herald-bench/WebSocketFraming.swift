import Foundation

/// The few pieces of RFC 6455 the burst server needs: the accept key and unmasked server frames.
enum WebSocketFraming {
    /// The GUID that RFC 6455 appends to the client's key.
    private static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`.
    static func acceptKey(for clientKey: String) -> String {
        Data(SHA1.digest(Array((clientKey + guid).utf8))).base64EncodedString()
    }

    /// Opcodes used here.
    enum Opcode: UInt8 {
        /// A text message.
        case text = 0x1
        /// A close frame.
        case close = 0x8
        /// A ping.
        case ping = 0x9
        /// A pong.
        case pong = 0xA
    }

    /// Appends one final, unmasked server frame carrying `payload` to `out`.
    static func appendFrame(_ opcode: Opcode, payload: some Collection<UInt8>, to out: inout [UInt8]) {
        out.append(0x80 | opcode.rawValue)
        let n = payload.count
        if n < 126 {
            out.append(UInt8(n))
        } else if n <= 0xFFFF {
            out.append(126)
            out.append(UInt8(n >> 8))
            out.append(UInt8(n & 0xFF))
        } else {
            out.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: UInt64(n) >> UInt64(shift))) }
        }
        out.append(contentsOf: payload)
    }

    /// The first whole client frame in `bytes` (unmasked) and how many bytes it took; nil until it is all there.
    static func clientFrame(in bytes: [UInt8]) -> (SocketStream.Frame, Int)? {
        guard bytes.count >= 2 else { return nil }
        var offset = 2
        var length = Int(bytes[1] & 0x7F)
        let extra = length == 126 ? 2 : length == 127 ? 8 : 0
        guard bytes.count >= offset + extra else { return nil }
        if extra > 0 {
            length = bytes[offset..<offset + extra].reduce(0) { $0 << 8 | Int($1) }
            offset += extra
        }
        let masked = bytes[1] & 0x80 != 0
        let maskAt = offset
        if masked { offset += 4 }
        guard length >= 0, length < 1 << 24, bytes.count >= offset + length else { return nil }
        var payload = Array(bytes[offset..<offset + length])
        if masked { for i in payload.indices { payload[i] ^= bytes[maskAt + (i & 3)] } }
        return (SocketStream.Frame(opcode: bytes[0] & 0x0F, payload: payload), offset + length)
    }
}
