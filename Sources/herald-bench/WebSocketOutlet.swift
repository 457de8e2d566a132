import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The WebSocket side of the burst server: connections upgraded on any path become subscribers, and a burst goes
/// to the newest open one. A connection upgraded on `/ws/actor/N` is also actor N's, for pushes addressed to it.
final class WebSocketOutlet: BurstOutlet {
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
    private let burst: [UInt8]
    /// How many frames `burst` holds.
    let frameCount: Int
    /// Open subscribers, oldest first.
    private let subscribers = Mutex<[Subscriber]>([])
    /// The newest subscriber of each actor number (from `/ws/actor/N`).
    private let actors = Mutex<[Int: Subscriber]>([:])

    /// Encodes `frames` tick frames as unmasked server text frames.
    init(frames: Int) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(frames * 420)
        for n in 0..<frames { WebSocketFraming.appendFrame(.text, payload: Array(TickFeed.json(n).utf8), to: &bytes) }
        burst = bytes
        frameCount = frames
    }

    /// The encoded size of one burst.
    var byteCount: Int { burst.count }

    /// The newest subscriber's burst, or 409 when none is connected.
    func prepareBurst() -> Result<@Sendable () -> Void, BurstUnavailable> {
        guard let subscriber = subscribers.withLock({ $0.last }) else {
            return .failure(BurstUnavailable(reason: "no WebSocket subscriber is connected"))
        }
        return .success { [burst] in _ = subscriber.write(burst) }
    }

    /// Sends one text message to the newest subscriber.
    func push(_ text: [UInt8]) -> Bool {
        guard let subscriber = subscribers.withLock({ $0.last }) else { return false }
        var frame: [UInt8] = []
        WebSocketFraming.appendFrame(.text, payload: text, to: &frame)
        return subscriber.write(frame)
    }

    /// Sends one text message to the newest subscriber that connected as `actor`.
    func push(_ text: [UInt8], toActor actor: Int) -> Bool {
        guard let subscriber = actors.withLock({ $0[actor] }) else { return false }
        var frame: [UInt8] = []
        WebSocketFraming.appendFrame(.text, payload: text, to: &frame)
        return subscriber.write(frame)
    }

    /// The actor number of an upgrade on `/ws/actor/N` (query string aside); nil for any other path.
    static func actorNumber(path: String) -> Int? {
        let bare = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        guard bare.hasPrefix("/ws/actor/") else { return nil }
        return Int(bare.dropFirst("/ws/actor/".count))
    }

    /// How many subscribers are open.
    var openCount: Int { subscribers.withLock { $0.count } }

    /// Completes the upgrade, registers the subscriber, and answers pings and the close handshake until it ends.
    func serveUpgrade(_ stream: inout SocketStream, _ request: SocketStream.Request) {
        guard let key = request.headers["sec-websocket-key"] else {
            _ = SocketStream.writeAll(stream.fd, Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
            close(stream.fd)
            return
        }
        let subscriber = Subscriber(fd: stream.fd)
        let actor = Self.actorNumber(path: request.path)
        // Registered before the 101 goes out: a client that has seen its upgrade answered can trigger at once.
        subscribers.withLock { $0.append(subscriber) }
        if let actor { actors.withLock { $0[actor] = subscriber } }
        defer {
            subscribers.withLock { list in list.removeAll { $0 === subscriber } }
            // Only if no newer connection of the same actor took its place.
            if let actor { actors.withLock { map in if map[actor] === subscriber { map[actor] = nil } } }
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
