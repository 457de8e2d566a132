import CNats
import HeraldCore

/// A connection to a NATS server, on libnats. Safe to use from any task or thread.
///
/// Subscriptions deliver on libnats' threads straight into an `EventQueue` each, stamped on arrival. Blocking
/// libnats calls (connect, flush, request, close) run on threads of their own, each with a deadline. Get one
/// with `withNATSConnection`, which closes it when the body ends.
public final class NATSConnection: Sendable {
    /// The URL connected to, with the password or token masked.
    public let url: String
    private let core: NATSCore

    private init(core: NATSCore) {
        self.core = core
        self.url = core.url
    }

    /// Connects: resolves the host, opens TCP and completes the INFO/CONNECT/PING exchange within
    /// `options.connectTimeout`.
    ///
    /// - Throws: `TransportError` — `invalidURL`, `dnsFailure`, `connectionRefused`, `timeout`,
    ///   `protocolFailure` (for instance when the server rejects the credentials), `tlsFailure` when the server
    ///   requires TLS; `CancellationError` when the calling task is cancelled. Every message masks the secrets.
    public static func connect(_ options: NATSOptions) async throws -> NATSConnection {
        let started = MonotonicInstant.now()
        let shown = NATSURL.masked(options.url)
        guard let parsed = NATSURL(options.url) else {
            throw TransportError.invalidURL(shown, detail: "expected nats://[user:password@]host[:port]")
        }
        let timeout = options.connectTimeout
        switch await AddressResolver.resolve(parsed.host, port: parsed.port, timeout: timeout) {
        case .addresses: break
        case .failure(let why): throw TransportError.dnsFailure(url: shown, detail: "\(parsed.host): \(why)")
        case .timedOut: throw TransportError.timeout(url: shown, after: timeout, detail: "resolving \(parsed.host)")
        case .cancelled: throw CancellationError()
        }
        let secrets = parsed.secrets + [options.token].compactMap { $0 }
        let sink = NATSConnectionSink(secrets: secrets)
        let remaining = max(timeout - started.duration(to: .now()), .milliseconds(1))
        let handle = try await NATSBlocking.run(
            "herald-nats-connect", limit: remaining + .seconds(2),
            timedOut: { TransportError.timeout(url: shown, after: timeout) },
            discard: { natsConnection_Destroy($0.raw) }
        ) { () -> Result<NATSHandle, any Error> in
            Self.open(parsed, options: options, sink: sink, shown: shown, timeout: remaining)
        }
        return NATSConnection(core: NATSCore(connection: handle.raw, sink: sink, url: shown, options: options))
    }

    /// The blocking part of `connect`, on its own thread.
    private static func open(_ parsed: NATSURL, options: NATSOptions, sink: NATSConnectionSink, shown: String,
                             timeout: Duration) -> Result<NATSHandle, any Error> {
        var created: OpaquePointer?
        guard natsOptions_Create(&created) == NATS_OK, let opts = created else {
            return .failure(TransportError.systemFailure(url: shown, detail: "natsOptions_Create failed"))
        }
        defer { natsOptions_Destroy(opts) }
        _ = natsOptions_SetURL(opts, parsed.serverURL)
        _ = natsOptions_SetName(opts, options.name)
        _ = natsOptions_SetTimeout(opts, timeout.wholeMilliseconds)
        if let user = parsed.user { _ = natsOptions_SetUserInfo(opts, user, parsed.password) }
        if let token = options.token ?? parsed.token { _ = natsOptions_SetToken(opts, token) }
        switch options.reconnect {
        case .never:
            _ = natsOptions_SetAllowReconnect(opts, false)
        case .attempts(let count, let wait):
            _ = natsOptions_SetAllowReconnect(opts, true)
            _ = natsOptions_SetMaxReconnect(opts, Int32(clamping: max(0, count)))
            _ = natsOptions_SetReconnectWait(opts, wait.wholeMilliseconds)
        case .forever(let wait):
            _ = natsOptions_SetAllowReconnect(opts, true)
            _ = natsOptions_SetMaxReconnect(opts, -1)
            _ = natsOptions_SetReconnectWait(opts, wait.wholeMilliseconds)
        }
        _ = natsOptions_SetMaxPendingMsgs(opts, Int32(clamping: max(1, options.pendingMessageLimit)))
        // A request waiting for a reply fails at once when the connection drops, instead of at its deadline.
        _ = natsOptions_SetFailRequestsOnDisconnect(opts, true)
        if options.sharedDeliveryThreads { _ = natsOptions_UseGlobalMessageDelivery(opts, true) }

        // libnats keeps this pointer until its closed callback, which releases it (only after a connection).
        let sinkRef = Unmanaged.passRetained(sink).toOpaque()
        _ = natsOptions_SetDisconnectedCB(opts, heraldNatsOnDisconnected, sinkRef)
        _ = natsOptions_SetReconnectedCB(opts, heraldNatsOnReconnected, sinkRef)
        _ = natsOptions_SetClosedCB(opts, heraldNatsOnClosed, sinkRef)
        _ = natsOptions_SetErrorHandler(opts, heraldNatsOnError, sinkRef)

        let started = MonotonicInstant.now()
        var connection: OpaquePointer?
        let status = natsConnection_Connect(&connection, opts)
        guard status == NATS_OK, let connection else {
            // A failed connect never calls back (libnats closes it with callbacks off).
            Unmanaged<NATSConnectionSink>.fromOpaque(sinkRef).release()
            let elapsed = started.duration(to: .now())
            return .failure(connectError(status, detail: NATSStatus.lastError(sink.secrets), url: shown,
                                         timeout: timeout, elapsed: elapsed))
        }
        return .success(NATSHandle(raw: connection))
    }

    /// What a failed `natsConnection_Connect` means.
    private static func connectError(_ status: natsStatus, detail: String?, url: String, timeout: Duration,
                                     elapsed: Duration) -> TransportError {
        let lower = detail?.lowercased() ?? ""
        switch status {
        case NATS_CONNECTION_AUTH_FAILED, NATS_NOT_PERMITTED:
            return .protocolFailure(url: url, detail: "the server rejected the credentials" + (detail.map { ": \($0)" } ?? ""))
        case NATS_TIMEOUT:
            return .timeout(url: url, after: timeout)
        case NATS_SSL_ERROR, NATS_SECURE_CONNECTION_REQUIRED, NATS_SECURE_CONNECTION_WANTED:
            return .tlsFailure(url: url, detail: detail)
        case NATS_NO_SERVER:
            if lower.contains("timeout") || lower.contains("timed out") || elapsed >= timeout {
                return .timeout(url: url, after: timeout)
            }
            return .connectionRefused(url: url)
        default:
            return .protocolFailure(url: url, detail: detail ?? NATSStatus.text(status))
        }
    }

    // MARK: - Subscribing

    /// Subscribes to `subject` (wildcards: `*` matches one token, `>` the rest), optionally as a member of
    /// `queueGroup` (each message then goes to one member of the group), and returns once the server has
    /// confirmed the SUB — a message published after this returns reaches the subscription.
    ///
    /// - Throws: `NATSError` for an invalid subject or queue group; `TransportError.timeout` when the server did
    ///   not confirm within `confirmTimeout`; `TransportError.closed` after `close()`; `CancellationError`.
    public func subscribe(_ subject: String, queueGroup: String? = nil,
                          confirmTimeout: Duration = .seconds(5)) async throws -> NATSSubscription {
        guard NATSSubject.isValid(subject, wildcards: true) else { throw NATSError.invalidSubject(subject) }
        if let queueGroup, !NATSSubject.isValidQueueGroup(queueGroup) {
            throw NATSError.invalidQueueGroup(subject: subject)
        }
        let core = self.core
        let sink = core.sink
        if sink.closeRequested.load(ordering: .acquiring) {
            throw TransportError.closed(url: url, detail: "the NATS connection is closed")
        }
        let (events, continuation) = EventQueue<NATSEvent>.makeStream()
        let box = NATSSubscriptionBox(id: sink.makeID(), continuation: continuation, sink: sink)
        sink.register(box)
        let handle = try await NATSBlocking.run(
            "herald-nats-sub", limit: confirmTimeout + .seconds(2),
            timedOut: { [url] in TransportError.timeout(url: url, after: confirmTimeout, detail: "subscribing to \(subject)") },
            discard: { handle in
                box.unsubscribed.store(true, ordering: .releasing)
                natsSubscription_Destroy(handle.raw)
            }
        ) { () -> Result<NATSHandle, any Error> in
            Self.subscribe(core, box: box, subject: subject, queueGroup: queueGroup, confirmTimeout: confirmTimeout)
        }
        return NATSSubscription(subject: subject, queueGroup: queueGroup, events: events,
                                handle: NATSSubscriptionHandle(raw: handle.raw, core: core, box: box))
    }

    /// The blocking part of `subscribe`, on its own thread: SUB, limits, then a flush as the confirmation.
    private static func subscribe(_ core: NATSCore, box: NATSSubscriptionBox, subject: String, queueGroup: String?,
                                  confirmTimeout: Duration) -> Result<NATSHandle, any Error> {
        let nc = core.connection
        // libnats keeps this pointer until the subscription's completion callback, which releases it.
        let boxRef = Unmanaged.passRetained(box).toOpaque()
        var created: OpaquePointer?
        let status = if let queueGroup {
            natsConnection_QueueSubscribe(&created, nc, subject, queueGroup, heraldNatsOnMessage, boxRef)
        } else {
            natsConnection_Subscribe(&created, nc, subject, heraldNatsOnMessage, boxRef)
        }
        guard status == NATS_OK, let sub = created else {
            Unmanaged<NATSSubscriptionBox>.fromOpaque(boxRef).release()
            box.unsubscribed.store(true, ordering: .releasing)
            box.finish(reason: .unsubscribed, at: .now())
            return .failure(core.error(status, subject: subject))
        }
        guard natsSubscription_SetOnCompleteCB(sub, heraldNatsOnComplete, boxRef) == NATS_OK else {
            // The connection closed in between. A last message callback may still be running with the box, so it
            // stays retained (a few bytes, only in this race) rather than being freed under that callback.
            natsSubscription_Destroy(sub)
            box.finish(reason: core.sink.closeReason(unsubscribed: false), at: .now())
            return .failure(TransportError.closed(url: core.url, detail: "the NATS connection closed while subscribing"))
        }
        _ = natsSubscription_SetPendingLimits(sub, Int32(clamping: max(1, core.options.pendingMessageLimit)),
                                              Int32(clamping: max(1, core.options.pendingByteLimit)))
        core.sink.attach(box, subscription: sub)
        // The PONG to this flush's PING comes after the server processed the SUB: from now on it routes to us.
        let flushed = natsConnection_FlushTimeout(nc, confirmTimeout.wholeMilliseconds)
        guard flushed == NATS_OK else {
            box.unsubscribed.store(true, ordering: .releasing)
            natsSubscription_Destroy(sub)
            return .failure(core.error(flushed, subject: subject, timeout: confirmTimeout))
        }
        return .success(NATSHandle(raw: sub))
    }

    // MARK: - Publishing

    /// Publishes `payload` on `subject`, with `headers` and an optional reply subject. Returns once libnats has
    /// buffered the message (its flusher thread writes it at once); use `flush` to wait for the server.
    ///
    /// - Throws: `NATSError` for an invalid subject, a header with a line break, a payload over the server's
    ///   limit, or headers on a server without header support; `TransportError.closed` after `close()`.
    public func publish(_ subject: String, payload: [UInt8], headers: [HTTPHeader] = [], replyTo: String? = nil) throws {
        let msg = try makeMessage(subject, payload: payload, headers: headers, replyTo: replyTo)
        defer { natsMsg_Destroy(msg) }
        let status = natsConnection_PublishMsg(core.connection, msg)
        guard status == NATS_OK else { throw core.error(status, subject: subject) }
    }

    /// Publishes the UTF-8 bytes of `text`; see `publish(_:payload:headers:replyTo:)`.
    public func publish(_ subject: String, text: String, headers: [HTTPHeader] = [], replyTo: String? = nil) throws {
        try publish(subject, payload: Array(text.utf8), headers: headers, replyTo: replyTo)
    }

    /// Answers `request` on its reply subject. Does nothing for a message that has no reply subject.
    public func respond(to request: NATSMessage, payload: [UInt8], headers: [HTTPHeader] = []) throws {
        guard let replyTo = request.replyTo else { return }
        try publish(replyTo, payload: payload, headers: headers)
    }

    /// Sends a request and waits for the first reply, at most `timeout`.
    ///
    /// - Throws: `TransportError.timeout` when nobody answered in time; `NATSError.noResponders` when the server
    ///   knows at once that nobody is subscribed; `TransportError.closed` when the connection is or goes down
    ///   meanwhile; `NATSError` for an invalid subject or header; `CancellationError`.
    public func request(_ subject: String, payload: [UInt8] = [], headers: [HTTPHeader] = [],
                        timeout: Duration = .seconds(5)) async throws -> NATSMessage {
        let core = self.core
        let msg = NATSHandle(raw: try makeMessage(subject, payload: payload, headers: headers, replyTo: nil))
        let reply = try await NATSBlocking.run(
            "herald-nats-req", limit: timeout + .seconds(2),
            timedOut: { [url] in TransportError.timeout(url: url, after: timeout, detail: "subject \(subject)") }
        ) { () -> Result<NATSMessage, any Error> in
            defer { natsMsg_Destroy(msg.raw) }
            var reply: OpaquePointer?
            let status = natsConnection_RequestMsg(&reply, core.connection, msg.raw, timeout.wholeMilliseconds)
            let at = MonotonicInstant.now()
            guard status == NATS_OK, let reply else {
                return .failure(core.error(status, subject: subject, timeout: timeout))
            }
            return .success(natsMessage(from: reply, at: at))
        }
        return reply
    }

    /// Waits until the server has processed everything published so far, at most `timeout`.
    ///
    /// - Throws: `TransportError.timeout` or `.closed`; `CancellationError`.
    public func flush(timeout: Duration = .seconds(5)) async throws {
        let core = self.core
        try await NATSBlocking.run(
            "herald-nats-flush", limit: timeout + .seconds(2),
            timedOut: { [url] in TransportError.timeout(url: url, after: timeout, detail: "flush") }
        ) { () -> Result<Void, any Error> in
            let status = natsConnection_FlushTimeout(core.connection, timeout.wholeMilliseconds)
            return status == NATS_OK ? .success(()) : .failure(core.error(status, subject: "(flush)", timeout: timeout))
        }
    }

    // MARK: - State

    /// True while the connection is up (false while reconnecting and after close).
    public var isConnected: Bool {
        natsConnection_Status(core.connection) == NATS_CONN_STATUS_CONNECTED
    }

    /// Closes the connection: flushes what is buffered (at most 500 ms), ends every subscription stream with
    /// `.closed(.closedLocally)` and waits for libnats' threads. Idempotent; later calls fail with `.closed`.
    public func close() async {
        await core.close()
    }

    // MARK: - Messages

    private func makeMessage(_ subject: String, payload: [UInt8], headers: [HTTPHeader],
                             replyTo: String?) throws -> OpaquePointer {
        // libnats checks only for an empty subject; a space would split the PUB line on the server.
        guard NATSSubject.isValid(subject, wildcards: false) else { throw NATSError.invalidSubject(subject) }
        if let replyTo, !NATSSubject.isValid(replyTo, wildcards: false) { throw NATSError.invalidSubject(replyTo) }
        for header in headers {
            let bad = header.name.isEmpty || header.name.utf8.contains(where: { $0 == 58 || $0 <= 32 || $0 == 127 })
            if bad || header.value.utf8.contains(where: { $0 == 10 || $0 == 13 }) {
                throw NATSError.refused(subject: subject, detail: "invalid header '\(header.name)'")
            }
        }
        var created: OpaquePointer?
        let status = payload.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                natsMsg_Create(&created, subject, replyTo, chars.baseAddress, Int32(clamping: chars.count))
            }
        }
        guard status == NATS_OK, let msg = created else { throw core.error(status, subject: subject) }
        for header in headers {
            let added = natsMsgHeader_Add(msg, header.name, header.value)
            guard added == NATS_OK else {
                natsMsg_Destroy(msg)
                throw core.error(added, subject: subject)
            }
        }
        return msg
    }
}

/// Runs `body` with a connection to the NATS server of `options`, then closes it — subscription streams
/// finished, libnats' threads joined — whether `body` returns or throws.
public func withNATSConnection<T>(
    _ options: NATSOptions,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (NATSConnection) async throws -> T
) async throws -> T {
    try await withClosing(try await NATSConnection.connect(options), close: { await $0.close() }, body)
}

/// NATS subject syntax: dot-separated non-empty tokens without spaces or control characters; when subscribing,
/// a token may be `*`, and the last one `>`.
enum NATSSubject {
    /// One pass over the bytes, no allocation: this runs for every published message.
    static func isValid(_ subject: String, wildcards: Bool) -> Bool {
        var subject = subject
        return subject.withUTF8 { bytes in
            let dot = UInt8(ascii: "."), star = UInt8(ascii: "*"), tail = UInt8(ascii: ">")
            var length = 0            // of the current token
            var first: UInt8 = 0      // its first byte
            var afterTail = false     // a `>` token came before: nothing may follow it
            func tokenIsValid() -> Bool {
                if length == 0 || afterTail { return false }
                if length == 1, first == star || first == tail {
                    if !wildcards { return false }
                    afterTail = first == tail
                }
                return true
            }
            for b in bytes {
                if b == dot {
                    guard tokenIsValid() else { return false }
                    length = 0
                    continue
                }
                if b <= 32 || b == 127 { return false }
                if length == 0 { first = b }
                length += 1
            }
            return tokenIsValid()
        }
    }

    static func isValidQueueGroup(_ name: String) -> Bool {
        !name.isEmpty && !name.utf8.contains(where: { $0 <= 32 || $0 == 127 })
    }
}
