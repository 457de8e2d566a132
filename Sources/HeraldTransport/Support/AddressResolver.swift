#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Resolves host names to numeric addresses with `getaddrinfo`, on a short-lived thread of its own, so a slow or
/// failing DNS lookup never blocks a service thread (where it would delay the time stamps of every other frame).
enum AddressResolver {
    /// The outcome of a lookup.
    enum Outcome: Sendable {
        case addresses([String])
        case failure(String)
        case timedOut
        case cancelled
    }

    /// Numeric addresses of `host` for TCP, in the order the system prefers. Numeric hosts return at once.
    static func resolve(_ host: String, port: Int, timeout: Duration) async -> Outcome {
        if isNumeric(host) { return .addresses([host]) }
        let result = OneShot<Outcome>()
        guard let thread = OSThread(name: "herald-dns", stackSize: 256 * 1024, {
            result.complete(lookup(host, port: port))
        }) else {
            return .failure("cannot start a resolver thread")
        }
        thread.detach()
        return await result.wait(timeout: timeout, timedOut: { .timedOut }, cancelled: { .cancelled })
    }

    /// True when `host` is an IPv4 or IPv6 address literal.
    static func isNumeric(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// The blocking lookup.
    private static func lookup(_ host: String, port: Int) -> Outcome {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            return .failure(String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(first) }
        var out: [String] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let n = node {
            if let text = numericText(n.pointee.ai_addr, n.pointee.ai_addrlen), !out.contains(text) {
                out.append(text)
            }
            node = n.pointee.ai_next
        }
        return out.isEmpty ? .failure("no usable address") : .addresses(out)
    }

    private static func numericText(_ addr: UnsafeMutablePointer<sockaddr>?, _ len: socklen_t) -> String? {
        guard let addr else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard getnameinfo(addr, len, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0 else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
