import CLibWebSockets
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libwebsockets context and the one thread that services it, for any number of client connections.
///
/// Threading: `lws_cancel_service` is the only lws call made off the service thread. Other threads talk to the
/// loop through `inbox` (behind a `Mutex`) and wake it with `lws_cancel_service`; the loop drains the inbox in
/// `LWS_CALLBACK_EVENT_WAIT_CANCELLED`. Everything else here — the context's tables, sessions, vhosts, the scratch
/// buffer — is read and written only on the service thread, which is why `@unchecked Sendable` is sound.
/// `context` is written once, before the service thread starts and before the core is shared, and is never used
/// after `lws_context_destroy` because `post` checks `accepting` under the same lock the teardown takes first.
final class LwsEngineCore: @unchecked Sendable {
    /// Work for the service thread.
    enum Command {
        case connect(WebSocketSession)
        case flush(id: Int)
        case abort(id: Int)
        case shutdown
    }

    private struct Inbox {
        var commands: [Command] = []
        var accepting = true
    }

    static let protocolName = "herald"

    private let inbox = Mutex(Inbox())
    private let nextID = Atomic<Int>(1)
    /// Settled when the service thread has destroyed the context.
    let finished = OneShot<Void>()

    // Written once in `start()`.
    private var context: OpaquePointer?
    private var thread: OSThread?

    // Service thread only.
    private let protocols: UnsafeMutablePointer<lws_protocols>
    private let cProtocolName: UnsafeMutablePointer<CChar>
    private let cALPN: UnsafeMutablePointer<CChar>
    private var stopping = false
    private(set) var shuttingDown = false
    /// Live sessions by id.
    private(set) var sessions: [Int: WebSocketSession] = [:]
    /// The session of each connection attempt, by the token stored as the attempt's lws opaque user data.
    private(set) var attempts: [Int: WebSocketSession] = [:]
    private var nextToken = 1
    /// Client vhosts with a CA file of their own, by path.
    private var caVhosts: [String: OpaquePointer] = [:]
    private var ownedCStrings: [UnsafeMutablePointer<CChar>] = []
    /// Reused buffer for writes: `LWS_PRE` bytes of headroom, then the payload.
    var writeBuffer: [UInt8] = []

    init() {
        cProtocolName = strdup(Self.protocolName)
        cALPN = strdup("http/1.1")
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = UnsafePointer(cProtocolName)
        protocols[0].callback = heraldLwsCallback
        // Per-connection receive buffer. Small keeps hundreds of connections cheap; larger messages simply
        // arrive in several callbacks and are assembled.
        protocols[0].rx_buffer_size = 4096
    }

    deinit {
        protocols.deinitialize(count: 2)
        protocols.deallocate()
        free(cProtocolName)
        free(cALPN)
        for s in ownedCStrings { free(s) }
    }

    /// Creates the context and starts the service thread.
    func start() throws(TransportError) {
        LwsLogging.configure()
        let fdLimit = FileLimit.raisedSoftLimit
        var info = lws_context_creation_info()
        info.port = herald_lws_no_listen_port()
        info.protocols = UnsafePointer(protocols)
        info.gid = -1
        info.uid = -1
        info.options = herald_lws_client_options()
        info.fd_limit_per_thread = UInt32(fdLimit)
        // The client handshake is built in this buffer: room for long Authorization headers (JWTs).
        info.pt_serv_buf_size = 16 * 1024
        info.user = Unmanaged.passUnretained(self).toOpaque()
        guard let ctx = lws_create_context(&info) else {
            throw .systemFailure(url: "websocket engine", detail: "lws_create_context failed")
        }
        context = ctx
        guard let t = OSThread(name: "herald-lws", { [self] in serviceLoop() }) else {
            lws_context_destroy(ctx)
            context = nil
            throw .systemFailure(url: "websocket engine", detail: "cannot start the service thread")
        }
        thread = t
    }

    /// A fresh connection id.
    func makeID() -> Int { nextID.add(1, ordering: .relaxed).oldValue }

    /// Queues `command` for the service thread and wakes it. Returns false once the loop has stopped.
    @discardableResult
    func post(_ command: Command) -> Bool {
        inbox.withLock { box in
            guard box.accepting, let ctx = context else { return false }
            box.commands.append(command)
            // Under the lock: the teardown takes it before destroying the context.
            lws_cancel_service(ctx)
            return true
        }
    }

    /// Stops the loop, waits until the context is destroyed, and joins the thread. Idempotent.
    func shutdown() async {
        guard let thread else { return }
        post(.shutdown)
        await finished.wait()
        thread.join()
        self.thread = nil
    }

    // MARK: - Service thread

    private func serviceLoop() {
        guard let ctx = context else { return }
        while !stopping {
            if lws_service(ctx, 0) < 0 { break }
        }
        let leftovers: [Command] = inbox.withLock { box in
            box.accepting = false
            defer { box.commands = [] }
            return box.commands
        }
        shuttingDown = true
        for case .connect(let session) in leftovers {
            fail(session, .closed(url: session.url, detail: "the WebSocket engine shut down"))
        }
        // Closes every connection; their callbacks run from inside and report `.closed`.
        lws_context_destroy(ctx)
        for session in sessions.values {
            endSession(session, code: nil, reason: "the WebSocket engine shut down", initiatedLocally: true)
        }
        sessions = [:]
        attempts = [:]
        caVhosts = [:]
        finished.complete(())
    }

    /// Runs queued commands (from `LWS_CALLBACK_EVENT_WAIT_CANCELLED`).
    func drainInbox() {
        let commands: [Command] = inbox.withLock { box in
            defer { box.commands = [] }
            return box.commands
        }
        for command in commands {
            switch command {
            case .connect(let session): startAttempt(session)
            case .flush(let id):
                guard let session = sessions[id] else { continue }
                session.outbox.wakeDelivered()
                if session.phase == .open, let wsi = session.wsi { lws_callback_on_writable(wsi) }
            case .abort(let id):
                guard let session = sessions[id], session.phase == .connecting else { continue }
                session.aborted = true
                if let wsi = session.wsi { herald_lws_kill(wsi) }
            case .shutdown:
                stopping = true
            }
        }
    }

    /// Starts (or retries, with the next address) the lws connection of `session`.
    func startAttempt(_ session: WebSocketSession) {
        guard let ctx = context else { return }
        if session.outcome.isCompleted || session.aborted {
            // Timed out or cancelled before the loop got to it.
            finishWithoutOpening(session)
            return
        }
        sessions[session.id] = session
        let token = nextToken
        nextToken += 1
        session.token = token
        session.wsi = nil
        attempts[token] = session

        var info = lws_client_connect_info()
        info.context = ctx
        info.address = UnsafePointer(session.cAddresses[session.addressIndex])
        info.port = Int32(session.parts.port)
        info.ssl_connection = herald_lws_ssl_flags(session.useTLS ? 1 : 0, session.tls.insecure ? 0 : 1)
        info.path = UnsafePointer(session.cPath)
        info.host = UnsafePointer(session.cHost)
        info.protocol = session.cSubprotocol.map { UnsafePointer($0) }
        info.ietf_version_or_minus_one = -1
        info.local_protocol_name = UnsafePointer(cProtocolName)
        info.opaque_user_data = UnsafeMutableRawPointer(bitPattern: token)
        if session.useTLS {
            // WebSocket over HTTP/2 is not supported by this lws: never let ALPN pick h2.
            info.alpn = UnsafePointer(cALPN)
            if let ca = session.tls.caFile {
                guard let vhost = vhost(forCAFile: ca, context: ctx) else {
                    attempts[token] = nil
                    fail(session, .tlsFailure(url: session.url, detail: "cannot load CA file \(ca)"))
                    return
                }
                info.vhost = vhost
            }
        }
        let wsi = lws_client_connect_via_info(&info)
        guard attempts[token] != nil else { return }  // already failed (and maybe retried) from inside
        if let wsi {
            session.wsi = wsi
        } else {
            attempts[token] = nil
            attemptFailed(session, status: 0, message: "lws_client_connect_via_info failed")
        }
    }

    /// A connection attempt failed before the upgrade completed: try the next address or settle the outcome.
    func attemptFailed(_ session: WebSocketSession, status: Int, message: String) {
        session.wsi = nil
        session.token = 0
        if session.aborted || session.outcome.isCompleted {
            fail(session, .timeout(url: session.url, detail: message))
            return
        }
        let error = LwsErrorClassifier.classify(status: status, message: message, session: session)
        if error.isConnectionRefused, session.hasNextAddress {
            // Retry from the inbox, not from inside the failing connection's callback.
            session.addressIndex += 1
            if post(.connect(session)) { return }
        }
        fail(session, error)
    }

    /// Settles a connection that never opened.
    func fail(_ session: WebSocketSession, _ error: TransportError) {
        session.outcome.complete(.failure(error))
        finishWithoutOpening(session)
    }

    private func finishWithoutOpening(_ session: WebSocketSession) {
        session.phase = .ended
        session.outbox.markEnded()
        session.continuation.finish()
        sessions[session.id] = nil
    }

    /// Reports the end of an open connection and forgets it.
    func endSession(_ session: WebSocketSession, code: Int?, reason: String, initiatedLocally: Bool) {
        guard session.phase != .ended else { return }
        let at = MonotonicInstant.now()
        session.phase = .ended
        session.wsi = nil
        if session.token != 0 { attempts[session.token] = nil }
        session.token = 0
        session.outbox.markEnded()
        session.continuation.yield(.closed(code: code, reason: reason, at: at, initiatedLocally: initiatedLocally))
        session.continuation.finish()
        sessions[session.id] = nil
    }

    /// Forgets the session with `id`.
    func forgetSession(_ id: Int) {
        sessions[id] = nil
    }

    /// Forgets the attempt token `token`.
    func forgetAttempt(_ token: Int) {
        attempts[token] = nil
    }

    /// The session of the attempt with lws opaque user data `raw`, if it is still current.
    func session(forOpaque raw: UnsafeMutableRawPointer?) -> WebSocketSession? {
        guard let raw else { return nil }
        return attempts[Int(bitPattern: raw)]
    }

    // MARK: - Vhosts

    /// A client vhost that verifies peers with `path` (created on first use; service thread only).
    private func vhost(forCAFile path: String, context ctx: OpaquePointer) -> OpaquePointer? {
        if let v = caVhosts[path] { return v }
        var info = lws_context_creation_info()
        info.port = herald_lws_no_listen_port()
        info.protocols = UnsafePointer(protocols)
        info.gid = -1
        info.uid = -1
        info.options = herald_lws_client_options()
        info.vhost_name = UnsafePointer(cString("herald-ca-\(caVhosts.count + 1)"))
        info.client_ssl_ca_filepath = UnsafePointer(cString(path))
        guard let vhost = lws_create_vhost(ctx, &info) else { return nil }
        caVhosts[path] = vhost
        return vhost
    }

    /// A C string that lives as long as the core (lws keeps some pointers, such as vhost names).
    private func cString(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        ownedCStrings.append(p)
        return p
    }
}
