import CBenchEpoll
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The idle benchmark's side of the burst server: every upgraded WebSocket is parked on one epoll thread that stays
/// quiet, answers pings and the close handshake, and counts the open connections. No thread per connection, so the
/// server holds ten thousand of them cheaply. It never bursts.
final class IdleOutlet: BurstOutlet {
    /// The epoll instance the parked sockets are registered with.
    private let epoll: Int32
    /// Parked sockets and the bytes read from each that do not make a whole frame yet.
    private let parked = Mutex<[Int32: [UInt8]]>([:])

    /// Starts the epoll thread.
    init() throws {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epoll >= 0 else { throw ServerError("epoll_create1: \(String(cString: strerror(errno)))") }
        Thread.detachNewThread { [self] in watch() }
    }

    /// Never bursts.
    var frameCount: Int { 0 }
    /// Never bursts.
    var byteCount: Int { 0 }

    /// Refused: the idle server only holds connections.
    func prepareBurst() -> Result<@Sendable () -> Void, BurstUnavailable> {
        .failure(BurstUnavailable(reason: "the idle server does not burst"))
    }

    /// Nothing is pushed to idle connections.
    func push(_ text: [UInt8]) -> Bool { false }

    /// How many connections are parked.
    var openCount: Int { parked.withLock { $0.count } }

    /// Answers the upgrade and parks the socket; the connection's thread ends.
    func serveUpgrade(_ stream: inout SocketStream, _ request: SocketStream.Request) {
        let fd = stream.fd
        guard let key = request.headers["sec-websocket-key"] else {
            _ = SocketStream.writeAll(fd, Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
            close(fd)
            return
        }
        let handshake = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(WebSocketFraming.acceptKey(for: key))\r\n\r\n"
        parked.withLock { $0[fd] = [] }
        guard SocketStream.writeAll(fd, Array(handshake.utf8)) else { return drop(fd) }
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
        event.data.fd = fd
        if epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) != 0 { drop(fd) }
    }

    /// Waits for readable parked sockets and handles what they sent.
    private func watch() -> Never {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while true {
            let n = epoll_wait(epoll, &events, Int32(events.count), -1)
            for i in 0..<max(0, Int(n)) {
                let fd = events[i].data.fd
                let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR) {
                    drop(fd)
                } else if got > 0 {
                    handle(fd, chunk[0..<got])
                }
            }
        }
    }

    /// Appends `bytes` to what `fd` sent so far and answers each whole client frame: a pong for a ping, a close
    /// for a close (then drops the socket).
    private func handle(_ fd: Int32, _ bytes: ArraySlice<UInt8>) {
        var pending = parked.withLock { $0[fd] ?? [] } + bytes
        while let (frame, used) = WebSocketFraming.clientFrame(in: pending) {
            pending.removeFirst(used)
            var reply: [UInt8] = []
            switch WebSocketFraming.Opcode(rawValue: frame.opcode) {
            case .close:
                WebSocketFraming.appendFrame(.close, payload: frame.payload.prefix(2), to: &reply)
                _ = SocketStream.writeAll(fd, reply)
                return drop(fd)
            case .ping:
                WebSocketFraming.appendFrame(.pong, payload: frame.payload, to: &reply)
                _ = SocketStream.writeAll(fd, reply)
            default:
                continue
            }
        }
        parked.withLock { $0[fd] = pending }
    }

    /// Unparks and closes `fd`.
    private func drop(_ fd: Int32) {
        epoll_ctl(epoll, EPOLL_CTL_DEL, fd, nil)
        if parked.withLock({ $0.removeValue(forKey: fd) }) != nil { close(fd) }
    }
}
