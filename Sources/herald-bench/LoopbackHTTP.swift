import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking one-shot HTTP GET to a loopback port, for the bench's own checks of its server (`/stats`).
enum LoopbackHTTP {
    /// GETs `path` on 127.0.0.1:`port` and returns the body parsed as a JSON object; nil on any failure.
    static func getJSON(port: UInt16, path: String) -> [String: Any]? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
        guard connected, SocketStream.writeAll(fd, Array(request.utf8)) else { return nil }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n > 0 { response += chunk[0..<n] } else if n < 0 && errno == EINTR { continue } else { break }
        }
        let text = String(decoding: response, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 200"), let split = text.range(of: "\r\n\r\n") else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(text[split.upperBound...].utf8)) as? [String: Any]
    }

    /// How many WebSocket connections the bench server on `port` holds open; nil when it does not answer.
    static func openConnections(port: UInt16) -> Int? {
        getJSON(port: port, path: "/stats")?["open"] as? Int
    }
}
