import Foundation
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A failed expectation inside a server script.
struct ScriptFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A plain POSIX TCP server on 127.0.0.1 (no library), whose behaviour is a script that runs on a thread of its
/// own, one accepted connection after another. `finish()` waits for the script and rethrows its failure.
final class ScriptedServer: Sendable {
    let port: Int
    private let listenFD: Int32
    private let outcome = OutcomeBox()

    /// The script's result, shared with the thread that runs it.
    private final class OutcomeBox: Sendable {
        let result = Mutex<Result<Void, any Error>?>(nil)
    }

    /// Starts listening; `script` gets each of `connections` accepted peers in turn, with its index.
    init(connections: Int = 1, _ script: @escaping @Sendable (TestPeer, Int) throws -> Void) throws {
        let (fd, port) = try Self.listen()
        listenFD = fd
        self.port = port
        let thread = Thread { [outcome] in
            let result = Result<Void, any Error> {
                for i in 0..<connections {
                    let peer = try TestPeer(accepting: fd, timeoutMs: TestPeer.patienceMs)
                    defer { peer.close() }
                    try script(peer, i)
                }
            }
            outcome.result.withLock { $0 = result }
        }
        thread.start()
    }

    deinit {
        Glibc.close(listenFD)
    }

    /// Waits (at most `timeout`) for the script to end, and rethrows what it threw. The limit only catches a
    /// script that hangs: it is long, and the script's result is looked at once more after it, so a waiting task
    /// that a busy machine resumes late still sees a script that did finish.
    func finish(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let result = outcome.result.withLock({ $0 }) { return try result.get() }
            if ContinuousClock.now >= deadline { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ScriptFailure("the server script did not finish within \(timeout)")
    }

    /// A server that reads one request and never answers it; it lets go when the client hangs up.
    static func silent() throws -> ScriptedServer {
        try ScriptedServer { peer, _ in
            _ = try peer.readRequestHead()
            _ = peer.waitForEOF()
        }
    }

    /// A loopback port that refuses connections for as long as the tests run: held bound, never listened on, so
    /// that a server another test starts meanwhile cannot take it.
    static func closedPort() throws -> Int { try LoopbackPort.refusing() }

    private static func listen() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ScriptFailure("socket: \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, 512) == 0 else {
            Glibc.close(fd)
            throw ScriptFailure("bind/listen: \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}

/// One accepted connection, read and written with blocking calls (5 s receive timeout).
final class TestPeer {
    /// How long a script waits for the client by default (to connect, to hang up): long, because on a loaded
    /// machine the client's tasks can be late by seconds, and a script that gives up first changes what the client
    /// sees (its connection closed under it). Only a client that never comes or never hangs up waits this out.
    static let patienceMs: Int32 = 30_000

    private let fd: Int32
    private var pending: [UInt8] = []

    init(accepting listenFD: Int32, timeoutMs: Int32) throws {
        var poller = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, timeoutMs) == 1 else { throw ScriptFailure("no client connected within \(timeoutMs) ms") }
        let fd = accept(listenFD, nil, nil)
        guard fd >= 0 else { throw ScriptFailure("accept: \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        self.fd = fd
    }

    func close() {
        Glibc.close(fd)
    }

    /// Aborts the connection: the client gets a TCP RST, not a FIN (SO_LINGER with a zero timeout). Later writes
    /// and `close()` fail harmlessly.
    func reset() {
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        shutdown(fd, Int32(SHUT_RD))
        Glibc.close(fd)
    }

    // MARK: Bytes

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw ScriptFailure("send failed: \(errno)") }
            offset += n
        }
    }

    func write(_ text: String) throws { try write(Array(text.utf8)) }

    private func fill() throws {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { throw ScriptFailure(n == 0 ? "the client closed the connection" : "recv failed: \(errno)") }
        pending += buffer[..<n]
    }

    func read(exactly count: Int) throws -> [UInt8] {
        while pending.count < count { try fill() }
        let out = Array(pending[..<count])
        pending.removeFirst(count)
        return out
    }

    /// Reads an HTTP request head; returns the request line and the headers (names lower-cased).
    func readRequestHead() throws -> (line: String, headers: [String: String]) {
        let end: [UInt8] = [13, 10, 13, 10]
        while true {
            if let range = pending.firstRange(of: end) {
                let head = String(decoding: pending[..<range.lowerBound], as: UTF8.self)
                pending.removeFirst(range.upperBound)
                let lines = head.components(separatedBy: "\r\n")
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                return (lines.first ?? "", headers)
            }
            try fill()
        }
    }

    /// True when the client closed its side within `timeoutMs` (reads until EOF, discarding data).
    func waitForEOF(timeoutMs: Int32 = TestPeer.patienceMs) -> Bool {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = ContinuousClock.now + .milliseconds(Int(timeoutMs))
        while ContinuousClock.now < deadline {
            guard poll(&poller, 1, 50) >= 0 else { return false }
            if poller.revents != 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n <= 0 { return true }
            }
        }
        return false
    }

    // MARK: WebSocket

    /// Reads the upgrade request and answers 101 (echoing the first requested subprotocol when `subprotocol`).
    @discardableResult
    func acceptUpgrade(subprotocol: Bool = false) throws -> [String: String] {
        let (line, headers) = try readRequestHead()
        guard line.hasPrefix("GET "), let key = headers["sec-websocket-key"] else {
            throw ScriptFailure("not a WebSocket upgrade: \(line)")
        }
        let accept = Data(SHA1.hash(Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))).base64EncodedString()
        var response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        response += "Sec-WebSocket-Accept: \(accept)\r\n"
        if subprotocol, let asked = headers["sec-websocket-protocol"]?.split(separator: ",").first {
            response += "Sec-WebSocket-Protocol: \(asked.trimmingCharacters(in: .whitespaces))\r\n"
        }
        try write(response + "\r\n")
        return headers
    }

    /// Writes one unmasked server frame.
    func sendFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true) throws {
        try write(Self.frame(opcode: opcode, payload, fin: fin))
    }

    /// The bytes of one server frame: `rsv` is or-ed into the first byte (0x40, 0x20, 0x10), and with a `mask` the
    /// frame is masked, which only a client may do.
    static func frame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0, mask: [UInt8]? = nil) -> [UInt8] {
        var frame: [UInt8] = [(fin ? 0x80 : 0) | rsv | opcode]
        let maskBit: UInt8 = mask == nil ? 0 : 0x80
        if payload.count < 126 {
            frame.append(maskBit | UInt8(payload.count))
        } else if payload.count < 65536 {
            frame += [maskBit | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            frame.append(maskBit | 127)
            for i in (0..<8).reversed() { frame.append(UInt8(truncatingIfNeeded: payload.count >> (i * 8))) }
        }
        guard let mask else { return frame + payload }
        return frame + mask + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    /// Reads one client frame, checks that it is masked, and unmasks it.
    func readFrame() throws -> (fin: Bool, opcode: UInt8, payload: [UInt8]) {
        let head = try read(exactly: 2)
        guard head[1] & 0x80 != 0 else { throw ScriptFailure("client frame not masked") }
        var length = Int(head[1] & 0x7F)
        if length == 126 {
            let b = try read(exactly: 2)
            length = Int(b[0]) << 8 | Int(b[1])
        } else if length == 127 {
            length = try read(exactly: 8).reduce(0) { $0 << 8 | Int($1) }
        }
        let mask = try read(exactly: 4)
        var payload = try read(exactly: length)
        for i in payload.indices { payload[i] ^= mask[i % 4] }
        return (head[0] & 0x80 != 0, head[0] & 0x0F, payload)
    }

    /// A close frame payload: the code big-endian, then the reason.
    static func closePayload(_ code: Int, _ reason: String) -> [UInt8] {
        [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
    }
}
