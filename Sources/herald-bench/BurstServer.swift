import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where `POST /burst` sends the frames: the newest WebSocket subscriber of the burst server itself
/// (`WebSocketOutlet`), or a broker (`BrokerOutlet`).
protocol BurstOutlet: Sendable {
    /// How many frames one burst holds.
    var frameCount: Int { get }
    /// How many bytes one burst puts on the wire (for the 202's body).
    var byteCount: Int { get }
    /// Readies one burst: the function that sends it, which the server calls on the trigger's connection thread
    /// once the 202 is out; or why there is nobody to send it to (answered 409).
    func prepareBurst() -> Result<@Sendable () -> Void, BurstUnavailable>
    /// Takes over a connection that asks for a WebSocket upgrade, until it ends (or hands it on).
    func serveUpgrade(_ stream: inout SocketStream, _ request: SocketStream.Request)
    /// Sends one text message to the newest subscriber; false when there is none.
    func push(_ text: [UInt8]) -> Bool
    /// Sends one text message to the subscriber that connected as `actor` (`/ws/actor/N`); false when there is none.
    func push(_ text: [UInt8], toActor actor: Int) -> Bool
    /// How many WebSocket subscribers are open now.
    var openCount: Int { get }
}

extension BurstOutlet {
    /// Refuses the upgrade: only the WebSocket outlet has subscribers of its own.
    func serveUpgrade(_ stream: inout SocketStream, _ request: SocketStream.Request) {
        _ = SocketStream.writeAll(stream.fd, Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        close(stream.fd)
    }

    /// No subscribers of its own: nothing to push to.
    func push(_ text: [UInt8]) -> Bool { false }

    /// No subscribers of its own: nothing to push to.
    func push(_ text: [UInt8], toActor actor: Int) -> Bool { false }

    /// No subscribers of its own.
    var openCount: Int { 0 }
}

/// Why a burst cannot go out now (the 409's message).
struct BurstUnavailable: Error {
    /// The message.
    let reason: String
}

/// The burst server: HTTP on raw POSIX sockets on 127.0.0.1, a thread per connection.
///
/// - `GET /health` answers 200.
/// - A WebSocket upgrade on any path goes to the outlet.
/// - `POST /burst` answers 202, then has the outlet send every pre-encoded frame, back to back (409 when it cannot).
/// - `POST /echo` with `{"id":k}` answers 200 with `{"id":k}`, then pushes `{"type":"echo","id":k,…}` to the newest
///   WebSocket subscriber, if there is one (the trigger benchmark's cycle). With `{"actor":a,"id":k}` it pushes
///   `{"type":"echo","actor":a,"id":k,…}` to the subscriber that connected on `/ws/actor/a` instead (the ramp
///   benchmark's cycle, one connection per actor).
/// - `GET /stats` answers `{"open":n}`: how many WebSocket subscribers are open.
///
/// It runs in a process of its own (`herald-bench serve`) so that its CPU time is not counted against the client.
final class BurstServer: Sendable {
    /// Where bursts go.
    private let outlet: any BurstOutlet
    /// The listening socket.
    private let listener: Int32
    /// The port it listens on.
    let port: UInt16

    /// Listens on an ephemeral loopback port for triggers of bursts that go to `outlet`.
    init(outlet: any BurstOutlet) throws {
        self.outlet = outlet
        // A deep backlog: the idle benchmark opens thousands of connections at once.
        (listener, port) = try Loopback.listen(backlog: 4_096)
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
                outlet.serveUpgrade(&stream, request)
                return
            }
            var send: (@Sendable () -> Void)?
            let status: String
            let body: String
            switch (request.method, request.path.split(separator: "?").first.map(String.init) ?? request.path) {
            case ("GET", "/health"):
                (status, body) = ("200 OK", #"{"status":"ok"}"#)
            case ("GET", "/stats"):
                (status, body) = ("200 OK", #"{"open":\#(outlet.openCount)}"#)
            case ("POST", "/echo"):
                let fields = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any]
                let id = fields?["id"] as? Int ?? -1
                if let actor = fields?["actor"] as? Int {
                    let frame = Array(#"{"type":"echo","actor":\#(actor),"id":\#(id),"status":"ACCEPTED","note":"pushed after the answer"}"#.utf8)
                    send = { [outlet] in _ = outlet.push(frame, toActor: actor) }
                } else {
                    let frame = Array(#"{"type":"echo","id":\#(id),"status":"ACCEPTED","note":"pushed after the answer"}"#.utf8)
                    send = { [outlet] in _ = outlet.push(frame) }
                }
                (status, body) = ("200 OK", #"{"id":\#(id)}"#)
            case ("POST", "/burst"):
                switch outlet.prepareBurst() {
                case .success(let sender):
                    send = sender
                    (status, body) = ("202 Accepted", #"{"frames":\#(outlet.frameCount),"bytes":\#(outlet.byteCount)}"#)
                case .failure(let unavailable):
                    (status, body) = ("409 Conflict", #"{"error":"\#(unavailable.reason)"}"#)
                }
            default:
                (status, body) = ("404 Not Found", #"{"error":"not found"}"#)
            }
            let keepAlive = !request.wantsClose
            let response = "HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: \(keepAlive ? "keep-alive" : "close")\r\n\r\n\(body)"
            guard SocketStream.writeAll(fd, Array(response.utf8)) else { break }
            // The trigger has its answer first; the burst then goes out on this thread.
            send?()
            if !keepAlive { break }
        }
        close(fd)
    }
}

/// The burst server could not start.
struct ServerError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String
    /// Wraps a message.
    init(_ description: String) { self.description = description }
}
