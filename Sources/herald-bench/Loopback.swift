import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// TCP on 127.0.0.1: listening on an ephemeral port.
enum Loopback {
    /// A socket listening on `port` (0: an ephemeral one) with room for `backlog` pending connections, and the port it got.
    static func listen(port: UInt16 = 0, backlog: Int32 = 128) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.address(port: port)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && Glibc.listen(fd, backlog) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else {
            let why = String(cString: strerror(errno))
            close(fd)
            throw ServerError("cannot listen on 127.0.0.1: \(why)")
        }
        return (fd, UInt16(bigEndian: address.sin_port))
    }

    /// `127.0.0.1:port`.
    private static func address(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
