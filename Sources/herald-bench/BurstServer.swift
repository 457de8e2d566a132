import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The burst server: raw POSIX sockets on 127.0.0.1, a thread per connection.
///
/// - `GET /health` answers 200.
/// - A WebSocket upgrade on any path registers the connection as a subscriber.
/// - `POST /burst` answers 202, then writes every pre-encoded frame, back to back, to the newest open subscriber
///   (409 when there is none).
///
/// It runs in a process of its own (`herald-bench serve`) so that its CPU time is not counted against the client.
final class BurstServer: Sendable {
    /// One open WebSocket connection.
    private final class Subscriber: Sendable {
        /// Its socket.
        let fd: Int32
        /// Held while writing, so that a burst and a close reply never interleave; `true` once the socket is closed.
        let writing = Mutex<Bool>(false)

        /// Wraps an upgraded socket.
        init(fd: Int32) { self.fd = fd }

        /// Writes `bytes` unless the socket is closed; false when the peer is gone.
        func write(_ bytes: [UInt8]) -> Bool {
            writing.withLock { closed in !closed && SocketStream.writeAll(fd, bytes) }
        }

        /// Closes the socket once (after any write in progress).
        func close() {
            writing.withLock { closed in
                guard !closed else { return }
                closed = true
                shutdown(fd, Int32(SHUT_RDWR))
                Glibc.close(fd)
            }
        }
    }

    /// Every frame of a burst, encoded back to back.
    let burst: [UInt8]
    /// How many frames `burst` holds.
    let frameCount: Int
    /// The listening socket.
    private let listener: Int32
    /// The port it listens on.
    let port: UInt16
    /// Open subscribers, oldest first.
    private let subscribers = Mutex<[Subscriber]>([])

    /// Encodes `frames` tick frames and listens on an ephemeral loopback port.
    init(frames: Int) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(frames * 420)
        for n in 0..<frames { WebSocketFraming.appendFrame(.text, payload: Array(TickFeed.json(n).utf8), to: &bytes) }
        burst = bytes
        frameCount = frames

        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ServerError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                bind(fd, sa, length) == 0 && listen(fd, 128) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else { throw ServerError("cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))") }
        listener = fd
        port = UInt16(bigEndian: address.sin_port)
    }

    /// Accepts connections forever, each served on a thread of its own.
    func serve() -> Never {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                fatalError("accept: \(String(cString: strerror(errno)))")
            }
            var yes: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            Thread.detachNewThread { self.handle(fd) }
        }
    }

    /// Serves HTTP requests on `fd` until it closes or upgrades.
    private func handle(_ fd: Int32) {
        var stream = SocketStream(fd: fd)
        while let request = stream.readRequest() {
            if request.isUpgrade {
                serveWebSocket(&stream, request)
                return
            }
            let subscriber: Subscriber?
            let status: String
            let body: String
            switch (request.method, request.path.split(separator: "?").first.map(String.init) ?? request.path) {
            case ("GET", "/health"):
                (subscriber, status, body) = (nil, "200 OK", #"{"status":"ok"}"#)
            case ("POST", "/burst"):
                subscriber = subscribers.withLock { $0.last }
                (status, body) = subscriber == nil
                    ? ("409 Conflict", #"{"error":"no WebSocket subscriber is connected"}"#)
                    : ("202 Accepted", #"{"frames":\#(frameCount),"bytes":\#(burst.count)}"#)
            default:
                (subscriber, status, body) = (nil, "404 Not Found", #"{"error":"not found"}"#)
            }
            let keepAlive = !request.wantsClose
            let response = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n\(body)"
            guard SocketStream.writeAll(fd, Array(response.utf8)) else { break }
            // The trigger has its answer first; the burst then goes out on this thread.
            if let subscriber { _ = subscriber.write(burst) }
            if !keepAlive { break }
        }
        close(fd)
    }

    /// Completes the upgrade, registers the subscriber, and answers pings and the close handshake until it ends.
    private func serveWebSocket(_ stream: inout SocketStream, _ request: SocketStream.Request) {
        guard let key = request.headers["sec-websocket-key"] else {
            _ = SocketStream.writeAll(stream.fd, Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
            close(stream.fd)
            return
        }
        let subscriber = Subscriber(fd: stream.fd)
        // Registered before the 101 goes out: a client that has seen its upgrade answered can trigger at once.
        subscribers.withLock { $0.append(subscriber) }
        defer {
            subscribers.withLock { list in list.removeAll { $0 === subscriber } }
            subscriber.close()
        }
        let handshake = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Accept: \(WebSocketFraming.acceptKey(for: key))\r\n\r\n"
        guard subscriber.write(Array(handshake.utf8)) else { return }
        while let frame = stream.readFrame() {
            var reply: [UInt8] = []
            switch WebSocketFraming.Opcode(rawValue: frame.opcode) {
            case .close:
                WebSocketFraming.appendFrame(.close, payload: frame.payload.prefix(2), to: &reply)
                _ = subscriber.write(reply)
                return
            case .ping:
                WebSocketFraming.appendFrame(.pong, payload: frame.payload, to: &reply)
                guard subscriber.write(reply) else { return }
            default:
                continue
            }
        }
    }
}

/// The burst server could not start.
struct ServerError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String
    /// Wraps a message.
    init(_ description: String) { self.description = description }
}
