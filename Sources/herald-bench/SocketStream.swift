import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connected TCP socket read through a buffer: HTTP/1.1 requests and masked client WebSocket frames.
/// Used by one thread at a time for reading; writes go through `writeAll`, which callers serialise themselves.
struct SocketStream {
    /// The socket.
    let fd: Int32
    /// Bytes read but not consumed yet.
    private var buffer: [UInt8] = []
    /// Where the unconsumed bytes start in `buffer`.
    private var start = 0

    /// Wraps a connected socket.
    init(fd: Int32) { self.fd = fd }

    /// One HTTP request: method, path, lower-cased headers, body.
    struct Request {
        /// `GET`, `POST`, …
        var method: String
        /// The request target.
        var path: String
        /// Header names lower-cased.
        var headers: [String: String]
        /// The body (by Content-Length).
        var body: [UInt8]

        /// Whether this asks for a WebSocket upgrade.
        var isUpgrade: Bool { headers["upgrade"]?.lowercased() == "websocket" }
        /// Whether the client wants the connection closed after the response.
        var wantsClose: Bool { headers["connection"]?.lowercased().contains("close") ?? false }
    }

    /// A client WebSocket frame, unmasked.
    struct Frame {
        /// The opcode.
        var opcode: UInt8
        /// The payload.
        var payload: [UInt8]
    }

    /// Reads more bytes into the buffer; false at end of stream or on an error.
    private mutating func fill() -> Bool {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                buffer.append(contentsOf: chunk[0..<n])
                return true
            }
            if n < 0 && errno == EINTR { continue }
            return false
        }
    }

    /// Exactly `count` bytes, or nil at end of stream.
    private mutating func take(_ count: Int) -> [UInt8]? {
        while buffer.count - start < count { guard fill() else { return nil } }
        defer { start += count }
        return Array(buffer[start..<start + count])
    }

    /// The next HTTP request, or nil at end of stream (or on a malformed request).
    mutating func readRequest() -> Request? {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        // Bytes after `start` already searched; an offset, since `fill` may move the buffered bytes.
        var scanned = 0
        while end == nil {
            let from = start + scanned
            if buffer.count - from >= 4 {
                for i in from...(buffer.count - 4) where buffer[i..<i + 4].elementsEqual(terminator) {
                    end = i
                    break
                }
                if end == nil { scanned = buffer.count - 3 - start }
            }
            if end == nil { guard fill() else { return nil } }
        }
        let head = String(decoding: buffer[start..<end!], as: UTF8.self)
        start = end! + 4
        var lines = head.split(separator: "\r\n", omittingEmptySubsequences: false).map(String.init)
        let requestLine = lines.removeFirst().split(separator: " ").map(String.init)
        guard requestLine.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = headers["content-length"].flatMap { Int($0) } ?? 0
        guard let body = take(length) else { return nil }
        return Request(method: requestLine[0], path: requestLine[1], headers: headers, body: body)
    }

    /// The next client WebSocket frame (unmasked), or nil at end of stream.
    mutating func readFrame() -> Frame? {
        guard let head = take(2) else { return nil }
        let masked = head[1] & 0x80 != 0
        var length = UInt64(head[1] & 0x7F)
        if length == 126 {
            guard let ext = take(2) else { return nil }
            length = UInt64(ext[0]) << 8 | UInt64(ext[1])
        } else if length == 127 {
            guard let ext = take(8) else { return nil }
            length = ext.reduce(0) { $0 << 8 | UInt64($1) }
        }
        guard length < 16 * 1024 * 1024 else { return nil }
        let mask = masked ? take(4) : [0, 0, 0, 0]
        guard let mask, var payload = take(Int(length)) else { return nil }
        for i in payload.indices { payload[i] ^= mask[i & 3] }
        return Frame(opcode: head[0] & 0x0F, payload: payload)
    }

    /// Writes every byte of `bytes`; false when the peer is gone.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return false
                }
            }
            return true
        }
    }
}
