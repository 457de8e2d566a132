import Foundation

/// Text forms of bytes: hex, Base64, and Base64url without padding (RFC 4648 §5, as JOSE writes it).
public enum ByteEncoding: String, Sendable, CaseIterable {
    /// Lowercase hexadecimal.
    case hex
    /// Base64 with padding.
    case base64
    /// Base64url without padding.
    case base64url

    /// `bytes` in this form.
    public func encode(_ bytes: [UInt8]) -> String {
        switch self {
        case .hex: ByteEncoding.hex(bytes)
        case .base64: Data(bytes).base64EncodedString()
        case .base64url: ByteEncoding.base64URL(bytes)
        }
    }

    /// The bytes of `text` in this form, or `nil` when it is not.
    public func decode(_ text: String) -> [UInt8]? {
        switch self {
        case .hex:
            let digits = Array(text.utf8)
            guard digits.count % 2 == 0 else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(digits.count / 2)
            for i in stride(from: 0, to: digits.count, by: 2) {
                guard let byte = UInt8(String(decoding: digits[i...i + 1], as: UTF8.self), radix: 16) else { return nil }
                out.append(byte)
            }
            return out
        case .base64:
            return Data(base64Encoded: text).map { Array($0) }
        case .base64url:
            if text.contains(where: { "+/=".contains($0) }) { return nil }
            var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            s += String(repeating: "=", count: (4 - s.count % 4) % 4)
            return Data(base64Encoded: s).map { Array($0) }
        }
    }

    /// Base64url without padding.
    public static func base64URL(_ bytes: [UInt8]) -> String {
        var s = Data(bytes).base64EncodedString()
        s = s.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while s.hasSuffix("=") { s.removeLast() }
        return s
    }

    /// Lowercase hexadecimal.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
