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
/// buffer, the connect deadlines and the attempts waiting for a slot — is read and written only on the service
/// thread, which is why `@unchecked Sendable` is sound. `context` is written once, before the service thread starts
/// and before the core is shared, and is never used after `lws_context_destroy` because `post` checks `accepting`
/// under the same lock the teardown takes first; `deadlineTimer` is filled in `init` and then touched only by lws
/// and the service thread.
final class LwsEngineCore: @unchecked Sendable {
    /// Work for the service thread.
    enum Command {
        case connect(WebSocketSession)
        case flush(id: Int)
        case abort(id: Int)
        /// A handshake slot came free inside a connection's callback: start waiting attempts from the inbox.
        case pump
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
    /// The vhost of ws:// connections: no TLS, so no CA store loaded. Created in `start()`.
    private var plainVhost: OpaquePointer?
    /// Client vhosts for wss://, by CA file ("" for the system's CA store), each created on first use.
    private var caVhosts: [String: OpaquePointer] = [:]
    private var ownedCStrings: [UnsafeMutablePointer<CChar>] = []
    /// Reused buffer for writes: `LWS_PRE` bytes of headroom, then the payload.
    var writeBuffer: [UInt8] = []
    /// Sessions still connecting, earliest deadline first. One lws timer (`deadlineTimer`) stands for all of them,
    /// so a pending connect costs an array slot rather than a sleeping task and a dispatch timer.
    private var deadlines: [(at: MonotonicInstant, session: WebSocketSession)] = []
    /// How many entries of `deadlines` belong to sessions that stopped connecting (pruned in bulk).
    private var settledDeadlines = 0
    /// When the armed `deadlineTimer` fires, if it is armed.
    private var timerDue: MonotonicInstant?
    /// An `lws_sorted_usec_list_t` followed by this core's address, which the C timer callback reads back.
    private let deadlineTimer: UnsafeMutableRawPointer

    /// Connection attempts (TCP, TLS and upgrade) in flight at once; later ones wait their turn, in order, within
    /// their own deadline. Ten thousand actors connecting at once would otherwise hold ten thousand handshakes'
    /// header tables at the same moment, and overflow a server's accept queue.
    static let maxAttemptsInFlight = 128
    /// Sessions waiting for a handshake slot, oldest first from `waitingHead`.
    private var waiting: [WebSocketSession] = []
    private var waitingHead = 0
    /// Attempts holding a slot.
    private var attemptsInFlight = 0
    /// Set while `pumpWaiting` runs (lws can call back into the core from inside `lws_client_connect_via_info`).
    private var pumping = false
    /// Set when a `.pump` command is on its way.
    private var pumpPosted = false

    /// Bytes of lws's per-connection receive buffer. lws allocates it (plus `LWS_PRE`) when a connection opens and
    /// keeps it until it closes, so it is most of what an idle connection costs; a larger message simply arrives
    /// in several callbacks and is assembled.
    static let receiveBufferSize = 1024
    /// Where the core's address sits in `deadlineTimer`: after one `lws_sorted_usec_list_t`, rounded up to keep it
    /// aligned.
    static let timerOffsetOfCore = (MemoryLayout<lws_sorted_usec_list_t>.size + 15) & ~15

    init() {
        cProtocolName = strdup(Self.protocolName)
        cALPN = strdup("http/1.1")
        protocols = .allocate(capacity: 2)
        protocols.initialize(repeating: lws_protocols(), count: 2)
        protocols[0].name = UnsafePointer(cProtocolName)
        protocols[0].callback = heraldLwsCallback
        protocols[0].rx_buffer_size = Self.receiveBufferSize
        // Unused, but without per-connection user space lws skips LWS_CALLBACK_WS_CLIENT_DROP_PROTOCOL, the last
        // callback before it sends a Close frame for a connection it fails (see `LwsFrameViolations`).
        protocols[0].per_session_data_size = 1
        let timerBytes = Self.timerOffsetOfCore + MemoryLayout<UnsafeRawPointer>.size
        deadlineTimer = .allocate(byteCount: timerBytes, alignment: 16)
        deadlineTimer.initializeMemory(as: UInt8.self, repeating: 0, count: timerBytes)
        deadlineTimer.storeBytes(of: UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()),
                                 toByteOffset: Self.timerOffsetOfCore, as: UnsafeRawPointer.self)
    }

    deinit {
        protocols.deinitialize(count: 2)
        protocols.deallocate()
        free(cProtocolName)
        free(cALPN)
        for s in ownedCStrings { free(s) }
        // The context (and with it the timer list) was destroyed before the core can go away.
        deadlineTimer.deallocate()
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
        info.options = herald_lws_context_options()
        info.fd_limit_per_thread = UInt32(fdLimit)
        // The client handshake is built in this buffer: room for long Authorization headers (JWTs).
        info.pt_serv_buf_size = 16 * 1024
        Self.leaveDeadlinesToHerald(&info)
        info.user = Unmanaged.passUnretained(self).toOpaque()
        guard let ctx = lws_create_context(&info) else {
            throw .systemFailure(url: "websocket engine", detail: "lws_create_context failed")
        }
        context = ctx
        guard let plain = makeVhost(named: "herald-plain", tls: false, caFile: nil, context: ctx) else {
            lws_context_destroy(ctx)
            context = nil
            throw .systemFailure(url: "websocket engine", detail: "lws_create_vhost failed")
        }
        plainVhost = plain
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
        // Nothing is left to settle a connect still waiting (its attempt was destroyed between retries, say).
        for entry in deadlines where entry.session.phase == .connecting {
            fail(entry.session, .closed(url: entry.session.url, detail: "the WebSocket engine shut down"))
        }
        deadlines = []
        waiting = []
        waitingHead = 0
        sessions = [:]
        attempts = [:]
        caVhosts = [:]
        plainVhost = nil
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
            case .pump:
                pumpPosted = false
                pumpWaiting()
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

    /// Queues the first (or, with the next address, a further) attempt of `session` for a handshake slot, and starts
    /// what the free slots allow. Service thread, from the inbox only.
    func startAttempt(_ session: WebSocketSession) {
        guard let ctx = context else { return }
        if !session.deadlineArmed, !session.outcome.isCompleted, !session.aborted {
            session.deadlineArmed = true
            addDeadline(session, context: ctx)
        }
        waiting.append(session)
        pumpWaiting()
    }

    /// Starts waiting attempts while slots are free. Never re-entered: a slot freed from inside a start is taken by
    /// this same loop.
    private func pumpWaiting() {
        guard !pumping else { return }
        pumping = true
        defer { pumping = false }
        while attemptsInFlight < Self.maxAttemptsInFlight, waitingHead < waiting.count {
            let session = waiting[waitingHead]
            waitingHead += 1
            if session.phase != .connecting { continue }
            if session.outcome.isCompleted || session.aborted {
                // Timed out or cancelled while it waited.
                finishWithoutOpening(session)
                continue
            }
            launch(session)
        }
        if waitingHead == waiting.count {
            waiting.removeAll(keepingCapacity: waiting.count <= 1024)
            waitingHead = 0
        } else if waitingHead >= 1024, waitingHead * 2 >= waiting.count {
            waiting.removeFirst(waitingHead)
            waitingHead = 0
        }
    }

    /// An attempt of `session` ended (it opened or failed): its slot goes to the next waiting session, started from
    /// the inbox rather than from inside the callback that reported the end.
    func releaseSlot(_ session: WebSocketSession) {
        guard session.holdsSlot else { return }
        session.holdsSlot = false
        attemptsInFlight -= 1
        if waitingHead < waiting.count, !pumping, !pumpPosted {
            pumpPosted = post(.pump)
        }
    }

    /// Starts the lws connection of `session` in a free slot.
    private func launch(_ session: WebSocketSession) {
        guard let ctx = context else { return }
        session.holdsSlot = true
        attemptsInFlight += 1
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
        info.vhost = plainVhost
        if session.useTLS {
            // WebSocket over HTTP/2 is not supported by this lws: never let ALPN pick h2.
            info.alpn = UnsafePointer(cALPN)
            guard let vhost = tlsVhost(caFile: session.tls.caFile, context: ctx) else {
                attempts[token] = nil
                fail(session, .tlsFailure(url: session.url, detail: session.tls.caFile.map { "cannot load CA file \($0)" }
                                          ?? "cannot set up TLS with the system's CA store"))
                return
            }
            info.vhost = vhost
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
        releaseSlot(session)
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
        releaseSlot(session)
        if session.phase == .connecting { deadlineSettled() }
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

    // MARK: - Connect deadlines

    /// Files `session` under its deadline and arms the timer if that deadline is now the earliest.
    private func addDeadline(_ session: WebSocketSession, context ctx: OpaquePointer) {
        let at = session.deadline
        // Connects mostly arrive in deadline order: search from the end.
        var index = deadlines.count
        while index > 0, at < deadlines[index - 1].at { index -= 1 }
        deadlines.insert((at, session), at: index)
        if index == 0 { armTimer(context: ctx) }
    }

    /// A session that was connecting opened or ended: its deadline entry is dead weight until pruned.
    func deadlineSettled() {
        settledDeadlines += 1
        if settledDeadlines >= 32, settledDeadlines * 2 >= deadlines.count {
            deadlines.removeAll { $0.session.phase != .connecting || $0.session.outcome.isCompleted }
            settledDeadlines = 0
        }
    }

    /// Schedules the lws timer for the earliest deadline (or cancels it when none is left).
    private func armTimer(context ctx: OpaquePointer) {
        let sul = deadlineTimer.assumingMemoryBound(to: lws_sorted_usec_list_t.self)
        guard let first = deadlines.first?.at else {
            if timerDue != nil { lws_sul_cancel(sul) }
            timerDue = nil
            return
        }
        if let due = timerDue, due <= first { return }
        let now = MonotonicInstant.now()
        let micros = now < first ? Int64(now.duration(to: first).nanoseconds / 1_000) + 1 : 0
        timerDue = first
        lws_sul_schedule(ctx, 0, sul, heraldLwsDeadlineTimer, micros)
    }

    /// The timer fired (service thread): every attempt past its deadline gets `.timeout` and is killed.
    func deadlinesDue() {
        timerDue = nil
        guard let ctx = context else { return }
        let now = MonotonicInstant.now()
        var due = 0
        while due < deadlines.count, deadlines[due].at <= now { due += 1 }
        let expired = deadlines[..<due].map(\.session)
        deadlines.removeFirst(due)
        for session in expired where session.phase == .connecting {
            let stalled = session.upgradeSent ? "the server accepted the connection but never answered the WebSocket upgrade" : nil
            session.outcome.complete(.failure(.timeout(url: session.url, after: session.connectTimeout, detail: stalled)))
            session.aborted = true
            // Its callbacks (CONNECTION_ERROR or WSI_DESTROY) then end it; while it waits for a slot, `pumpWaiting` does.
            if let wsi = session.wsi { herald_lws_kill(wsi) }
        }
        armTimer(context: ctx)
    }

    /// lws gives each stage of a connection attempt a timeout of its own (5 s for the TCP connect and for the
    /// upgrade answer, 20 s for the connect response) and ends the attempt when one passes. The caller's
    /// `connectTimeout` is the deadline (see `deadlinesDue`), so these are pushed out of its way: a loaded server
    /// that takes 6 s to answer within a 60 s connect timeout is not a failure.
    private static func leaveDeadlinesToHerald(_ info: inout lws_context_creation_info) {
        info.timeout_secs = 24 * 3600
        info.connect_timeout_secs = 24 * 3600
    }

    // MARK: - Vhosts

    /// The client vhost for wss:// that verifies peers with `caFile`, or with the system's CA store (created on first
    /// use; service thread only).
    private func tlsVhost(caFile: String?, context ctx: OpaquePointer) -> OpaquePointer? {
        if let v = caVhosts[caFile ?? ""] { return v }
        guard let vhost = makeVhost(named: "herald-tls-\(caVhosts.count + 1)", tls: true, caFile: caFile, context: ctx) else { return nil }
        caVhosts[caFile ?? ""] = vhost
        return vhost
    }

    /// A client-only vhost; with `tls`, it has a client SSL context verifying peers with `caFile` or the system's store.
    private func makeVhost(named name: String, tls: Bool, caFile: String?, context ctx: OpaquePointer) -> OpaquePointer? {
        var info = lws_context_creation_info()
        info.port = herald_lws_no_listen_port()
        info.protocols = UnsafePointer(protocols)
        info.gid = -1
        info.uid = -1
        info.options = tls ? herald_lws_client_options() : 0
        info.vhost_name = UnsafePointer(cString(name))
        if let caFile { info.client_ssl_ca_filepath = UnsafePointer(cString(caFile)) }
        Self.leaveDeadlinesToHerald(&info)
        return lws_create_vhost(ctx, &info)
    }

    /// A C string that lives as long as the core (lws keeps some pointers, such as vhost names).
    private func cString(_ s: String) -> UnsafeMutablePointer<CChar> {
        let p = strdup(s)!
        ownedCStrings.append(p)
        return p
    }
}
