import CHiredis
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One hiredis context and the one thread that owns it, for a command connection or a subscriber connection.
///
/// The thread connects, authenticates, then loops: it parses the replies hiredis has buffered, sleeps in `poll` on
/// the socket and on a wake-up pipe, writes the commands other threads queued in `inbox`, and reads. Stopping is
/// a job like any other, so a close never waits for the server; the only blocking calls are the connect (bounded
/// by the connect timeout) and writes (bounded by the socket send timeout).
///
/// `@unchecked Sendable` is sound: `context`, `pending`, `acks` and `lastReadAt` are touched only on the link
/// thread; what other threads share (`inbox`, `closing`, the one-shots) is behind a `Mutex` or Sendable itself;
/// the pipe descriptors are constants, closed in `deinit` once the thread (which holds the link) has ended.
final class RedisLink: @unchecked Sendable {
    enum Role {
        case commands
        case subscriber(EventQueue<RedisEvent>)
    }

    typealias ReplyOutcome = OneShot<Result<[RedisReply], any Error>>
    typealias AckOutcome = OneShot<Result<Void, any Error>>

    enum Job {
        /// Commands written together; the outcome gets all their replies, in order.
        case commands([[[UInt8]]], ReplyOutcome)
        /// `(P)SUBSCRIBE` / `(P)UNSUBSCRIBE` commands whose acknowledgements settle the outcome.
        case pubsub([(verb: String, names: [String])], AckOutcome)
        case stop
    }

    private struct Inbox {
        var jobs: [Job] = []
        var accepting = true
    }

    /// Commands waiting for their replies.
    private final class ReplyBatch {
        let expected: Int
        var replies: [RedisReply] = []
        let outcome: ReplyOutcome
        init(expected: Int, outcome: ReplyOutcome) {
            self.expected = expected
            self.outcome = outcome
        }
    }

    /// A (un)subscription waiting for its acknowledgements.
    private final class AckRequest {
        var remaining: Int
        let outcome: AckOutcome
        init(remaining: Int, outcome: AckOutcome) {
            self.remaining = remaining
            self.outcome = outcome
        }
    }

    /// The URL with its password masked.
    let url: String
    let target: RedisURL
    let options: RedisOptions
    private let role: Role
    private let inbox = Mutex(Inbox())
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let closing = Mutex<Task<Void, Never>?>(nil)
    /// Settled once the connection is ready for commands, or failed.
    let ready = OneShot<Result<Void, TransportError>>()
    /// Settled when the thread has freed the context.
    let finished = OneShot<Void>()

    // Link thread only.
    private var context: UnsafeMutablePointer<redisContext>?
    private var pending: [ReplyBatch] = []
    private var pendingHead = 0
    private var acks: [(verb: String, name: [UInt8], request: AckRequest)] = []
    private var lastReadAt = MonotonicInstant.now()

    private init(url: String, target: RedisURL, options: RedisOptions, role: Role, wake: (Int32, Int32)) {
        self.url = url
        self.target = target
        self.options = options
        self.role = role
        wakeRead = wake.0
        wakeWrite = wake.1
    }

    deinit {
        closeDescriptor(wakeRead)
        closeDescriptor(wakeWrite)
    }

    var secrets: [String] { [options.password, target.password].compactMap { $0 }.filter { !$0.isEmpty } }

    // MARK: - Opening

    /// Resolves, starts the thread and waits until it has connected and authenticated.
    static func open(_ options: RedisOptions, role: Role) async throws -> RedisLink {
        let started = MonotonicInstant.now()
        let shown = RedisURL.masked(options.url)
        guard let target = RedisURL(options.url) else {
            throw TransportError.invalidURL(shown, detail: "expected redis://[[user]:password@]host[:port][/db]")
        }
        let timeout = options.connectTimeout
        let addresses: [String]
        switch await AddressResolver.resolve(target.host, port: target.port, timeout: timeout) {
        case .addresses(let list): addresses = list
        case .failure(let why): throw TransportError.dnsFailure(url: shown, detail: "\(target.host): \(why)")
        case .timedOut: throw TransportError.timeout(url: shown, after: timeout, detail: "resolving \(target.host)")
        case .cancelled: throw CancellationError()
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw TransportError.systemFailure(url: shown, detail: "cannot create a pipe")
        }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        let link = RedisLink(url: shown, target: target, options: options, role: role, wake: (fds[0], fds[1]))
        let remaining = max(timeout - started.duration(to: .now()), .milliseconds(1))
        guard let thread = OSThread(name: "herald-redis", { link.run(addresses: addresses, timeout: remaining) }) else {
            throw TransportError.systemFailure(url: shown, detail: "cannot start the Redis thread")
        }
        thread.detach()
        // The thread bounds the connect and the first exchange itself; the margin only guards against a stuck one.
        let outcome = await link.ready.wait(
            timeout: remaining + options.commandTimeout + .seconds(1),
            timedOut: { .failure(.timeout(url: shown, after: timeout)) },
            cancelled: { .failure(.closed(url: shown, detail: "cancelled")) })
        switch outcome {
        case .success:
            return link
        case .failure(let error):
            link.post(.stop)
            if Task.isCancelled { throw CancellationError() }
            throw error
        }
    }

    // MARK: - Jobs

    /// Queues `job` and wakes the thread. Returns false once the link has ended.
    @discardableResult
    func post(_ job: Job) -> Bool {
        let accepted = inbox.withLock { box in
            guard box.accepting else { return false }
            box.jobs.append(job)
            return true
        }
        if accepted {
            var one: UInt8 = 1
            _ = write(wakeWrite, &one, 1)
        }
        return accepted
    }

    /// Sends commands in one write and waits for all their replies, at most `timeout`. `name` (never the
    /// arguments, which may hold secrets) goes into errors.
    func send(_ commands: [[[UInt8]]], name: String, timeout: Duration) async throws -> [RedisReply] {
        if commands.isEmpty { return [] }
        let outcome = ReplyOutcome()
        guard post(.commands(commands, outcome)) else {
            throw TransportError.closed(url: url, detail: "the Redis connection is closed")
        }
        let url = self.url
        return try await outcome.wait(
            timeout: timeout,
            timedOut: { .failure(TransportError.timeout(url: url, after: timeout, detail: name)) },
            cancelled: { .failure(CancellationError()) }).get()
    }

    /// Sends (un)subscribe commands and waits until the server acknowledged every name, at most `timeout`.
    func pubsub(_ commands: [(verb: String, names: [String])], timeout: Duration) async throws {
        let commands = commands.filter { !$0.names.isEmpty }
        if commands.isEmpty { return }
        let outcome = AckOutcome()
        guard post(.pubsub(commands, outcome)) else {
            throw TransportError.closed(url: url, detail: "the Redis connection is closed")
        }
        let url = self.url
        let what = commands.map(\.verb).joined(separator: ", ")
        try await outcome.wait(
            timeout: timeout,
            timedOut: { .failure(TransportError.timeout(url: url, after: timeout, detail: what)) },
            cancelled: { .failure(CancellationError()) }).get()
    }

    /// Stops the thread and waits until the context is freed. Idempotent; every caller waits for the same stop.
    func close() async {
        let task: Task<Void, Never> = closing.withLock { slot in
            if let existing = slot { return existing }
            let task = Task<Void, Never> { [self] in
                post(.stop)
                let limit = options.connectTimeout + options.commandTimeout + .seconds(1)
                _ = await finished.wait(timeout: limit, timedOut: {}, cancelled: {})
            }
            slot = task
            return task
        }
        await task.value
    }

    // MARK: - The thread

    private func run(addresses: [String], timeout: Duration) {
        // A write to a peer that hung up raises SIGPIPE for this thread: blocked here, write fails with EPIPE.
        var pipeSignal = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)

        var ending: (reason: String?, local: Bool) = ("the connection was never established", true)
        defer {
            if let context { redisFree(context) }
            context = nil
            end(reason: ending.reason, local: ending.local)
            finished.complete(())
        }
        switch connect(addresses: addresses, timeout: timeout) {
        case .failure(let error):
            ready.complete(.failure(error))
            return
        case .success(let ctx):
            context = ctx
        }
        if let error = handshake(context!) {
            ready.complete(.failure(error))
            return
        }
        guard ready.complete(.success(())) else { return }  // the caller gave up meanwhile
        ending = loop(context!)
    }

    private func connect(addresses: [String], timeout: Duration) -> Result<UnsafeMutablePointer<redisContext>, TransportError> {
        var failure = TransportError.connectionRefused(url: url)
        for address in addresses {
            guard let ctx = redisConnectWithTimeout(address, Int32(target.port), Self.makeTimeval(timeout)) else {
                return .failure(.systemFailure(url: url, detail: "hiredis could not allocate a context"))
            }
            if ctx.pointee.err == 0 { return .success(ctx) }
            failure = connectError(ctx)
            redisFree(ctx)
            if failure.isTimeout { break }
        }
        return .failure(failure)
    }

    private func connectError(_ ctx: UnsafeMutablePointer<redisContext>) -> TransportError {
        let text = Self.errorText(ctx)
        let lower = text.lowercased()
        if lower.contains("timed out") || lower.contains("timeout") {
            return .timeout(url: url, after: options.connectTimeout)
        }
        if lower.contains("refused") { return .connectionRefused(url: url) }
        if lower.contains("unreachable") || lower.contains("no route") { return .connectionRefused(url: url, detail: text) }
        return .protocolFailure(url: url, detail: SecretText.scrub(text, secrets))
    }

    /// `AUTH`, `SELECT` and a `PING`, synchronously, bounded by the socket timeouts. Returns the error, if any.
    private func handshake(_ ctx: UnsafeMutablePointer<redisContext>) -> TransportError? {
        _ = redisSetTimeout(ctx, Self.makeTimeval(options.commandTimeout))
        _ = redisEnableKeepAlive(ctx)
        if let password = options.password ?? target.password {
            var auth = ["AUTH"]
            if let user = target.user { auth.append(user) }
            auth.append(password)
            switch syncCommand(ctx, auth) {
            case .failure(let error):
                return error
            case .success(.error(let message)) where !message.contains("without any password configured"):
                // Redis does not echo the password, but scrub anyway.
                return .protocolFailure(url: url, detail: "the server rejected the credentials: "
                                        + SecretText.scrub(message, secrets))
            case .success:
                break
            }
        }
        if target.database != 0 {
            switch syncCommand(ctx, ["SELECT", String(target.database)]) {
            case .failure(let error): return error
            case .success(.error(let message)):
                return .protocolFailure(url: url, detail: "cannot select database \(target.database): \(message)")
            case .success: break
            }
        }
        switch syncCommand(ctx, ["PING"]) {
        case .failure(let error):
            return error
        case .success(.error(let message)):
            let hint = message.hasPrefix("NOAUTH") ? "the server requires a password: " : ""
            return .protocolFailure(url: url, detail: hint + SecretText.scrub(message, secrets))
        case .success:
            return nil
        }
    }

    private func syncCommand(_ ctx: UnsafeMutablePointer<redisContext>, _ arguments: [String]) -> Result<RedisReply, TransportError> {
        Self.withArgv(arguments.map { Array($0.utf8) }) { argc, argv, lengths in
            guard let raw = redisCommandArgv(ctx, argc, argv, lengths) else {
                let text = Self.errorText(ctx)
                if text.lowercased().contains("temporarily unavailable") || text.lowercased().contains("timed out") {
                    return .failure(.timeout(url: url, after: options.commandTimeout, detail: arguments.first))
                }
                return .failure(.protocolFailure(url: url, detail: text.isEmpty ? "the server closed the connection" : text))
            }
            defer { freeReplyObject(raw) }
            return .success(RedisReply(raw.assumingMemoryBound(to: redisReply.self)))
        }
    }

    /// Serves jobs and replies until a stop job or a failure. Returns why it ended.
    private func loop(_ ctx: UnsafeMutablePointer<redisContext>) -> (reason: String?, local: Bool) {
        var needsWrite = false
        while true {
            // Replies hiredis has already read and can parse.
            while true {
                var raw: UnsafeMutableRawPointer?
                guard redisGetReplyFromReader(ctx, &raw) == REDIS_OK else { return (Self.errorText(ctx), false) }
                guard let raw else { break }
                let reply = RedisReply(raw.assumingMemoryBound(to: redisReply.self))
                freeReplyObject(raw)
                handle(reply)
            }
            var fds = [
                pollfd(fd: ctx.pointee.fd, events: Int16(POLLIN) | (needsWrite ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
            ]
            if poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return ("poll failed: errno \(errno)", false)
            }
            if fds[1].revents != 0 {
                var sink = [UInt8](repeating: 0, count: 64)
                while read(wakeRead, &sink, sink.count) > 0 {}
                for job in inbox.withLock({ box -> [Job] in defer { box.jobs = [] }; return box.jobs }) {
                    switch job {
                    case .stop:
                        return (nil, true)
                    case .commands(let commands, let outcome):
                        for arguments in commands { append(ctx, arguments) }
                        pending.append(ReplyBatch(expected: commands.count, outcome: outcome))
                    case .pubsub(let commands, let outcome):
                        let request = AckRequest(remaining: commands.reduce(0) { $0 + $1.names.count }, outcome: outcome)
                        for command in commands {
                            append(ctx, [Array(command.verb.utf8)] + command.names.map { Array($0.utf8) })
                            for name in command.names {
                                acks.append((command.verb.lowercased(), Array(name.utf8), request))
                            }
                        }
                    }
                    needsWrite = true
                }
            }
            if needsWrite {
                var done: Int32 = 0
                guard redisBufferWrite(ctx, &done) == REDIS_OK else { return (Self.errorText(ctx), false) }
                needsWrite = done == 0
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                guard redisBufferRead(ctx) == REDIS_OK else { return (Self.errorText(ctx), false) }
                lastReadAt = .now()
            }
        }
    }

    private func append(_ ctx: UnsafeMutablePointer<redisContext>, _ arguments: [[UInt8]]) {
        Self.withArgv(arguments) { argc, argv, lengths in
            _ = redisAppendCommandArgv(ctx, argc, argv, lengths)
        }
    }

    /// One parsed reply.
    private func handle(_ reply: RedisReply) {
        switch role {
        case .commands:
            guard pendingHead < pending.count else { return }
            let batch = pending[pendingHead]
            batch.replies.append(reply)
            guard batch.replies.count >= batch.expected else { return }
            batch.outcome.complete(.success(batch.replies))
            pendingHead += 1
            if pendingHead > 64, pendingHead * 2 > pending.count {
                pending.removeFirst(pendingHead)
                pendingHead = 0
            }
        case .subscriber(let continuation):
            handlePush(reply, continuation)
        }
    }

    private func handlePush(_ reply: RedisReply, _ continuation: EventQueue<RedisEvent>) {
        let at = lastReadAt
        guard case .array(let items) = reply, case .string(let kindBytes)? = items.first else {
            if case .error(let message) = reply, let head = acks.first {
                // A refused (un)subscription: fail its request and forget the rest of its acknowledgements.
                acks.removeAll { $0.request === head.request }
                head.request.outcome.complete(.failure(TransportError.protocolFailure(url: url, detail: message)))
            }
            return
        }
        let kind = String(decoding: kindBytes, as: UTF8.self)
        switch kind {
        case "message":
            guard items.count == 3, case .string(let channel) = items[1], case .string(let payload) = items[2] else { return }
            yield(channel: channel, pattern: nil, payload: payload, at: at, continuation)
        case "pmessage":
            guard items.count == 4, case .string(let pattern) = items[1], case .string(let channel) = items[2],
                  case .string(let payload) = items[3] else { return }
            yield(channel: channel, pattern: pattern, payload: payload, at: at, continuation)
        case "subscribe", "psubscribe", "unsubscribe", "punsubscribe":
            guard items.count >= 2, case .string(let name) = items[1] else { return }
            guard let index = acks.firstIndex(where: { $0.verb == kind && $0.name == name }) else { return }
            let request = acks.remove(at: index).request
            request.remaining -= 1
            if request.remaining == 0 { request.outcome.complete(.success(())) }
        default:
            break
        }
    }

    private func yield(channel: [UInt8], pattern: [UInt8]?, payload: [UInt8], at: MonotonicInstant,
                       _ continuation: EventQueue<RedisEvent>) {
        let name = String(decoding: channel, as: UTF8.self)
        if let event = RedisKeyspaceEvent(channel: name, payload: payload, receivedAt: at) {
            continuation.yield(.keyspace(event))
        } else {
            continuation.yield(.message(RedisMessage(channel: name, pattern: pattern.map { String(decoding: $0, as: UTF8.self) },
                                                     payload: payload, receivedAt: at)))
        }
    }

    /// Refuses new jobs, fails what waits, and ends the subscriber stream.
    private func end(reason: String?, local: Bool) {
        let left = inbox.withLock { box -> [Job] in
            box.accepting = false
            defer { box.jobs = [] }
            return box.jobs
        }
        let detail = local ? "the Redis connection is closed" : (reason ?? "the server closed the connection")
        let error = TransportError.closed(url: url, detail: detail)
        for job in left {
            switch job {
            case .commands(_, let outcome): outcome.complete(.failure(error))
            case .pubsub(_, let outcome): outcome.complete(.failure(error))
            case .stop: break
            }
        }
        for batch in pending[pendingHead...] { batch.outcome.complete(.failure(error)) }
        pending = []
        pendingHead = 0
        for ack in acks { ack.request.outcome.complete(.failure(error)) }
        acks = []
        if case .subscriber(let continuation) = role {
            continuation.yield(.closed(reason: local ? nil : detail, at: .now(), initiatedLocally: local))
            continuation.finish()
        }
    }

    // MARK: - Helpers

    private static func makeTimeval(_ d: Duration) -> timeval {
        let us = max(1000, Int(d.milliseconds * 1000))
        return timeval(tv_sec: us / 1_000_000, tv_usec: .init(us % 1_000_000))
    }

    private static func errorText(_ ctx: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: ctx.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Calls `body` with hiredis' `argc`, `argv` and `argvlen` for `arguments` (binary-safe).
    private static func withArgv<T>(_ arguments: [[UInt8]],
                                    _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> T) -> T {
        var flat: [UInt8] = []
        flat.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        for argument in arguments {
            offsets.append(flat.count)
            flat.append(contentsOf: argument)
        }
        flat.append(0)  // never empty, so the base address exists
        let lengths = arguments.map(\.count)
        return flat.withUnsafeBufferPointer { bytes in
            let base = UnsafeRawPointer(bytes.baseAddress!).assumingMemoryBound(to: CChar.self)
            var argv: [UnsafePointer<CChar>?] = offsets.map { base + $0 }
            return argv.withUnsafeMutableBufferPointer { pointers in
                lengths.withUnsafeBufferPointer { lens in
                    body(Int32(arguments.count), pointers.baseAddress!, lens.baseAddress!)
                }
            }
        }
    }
}

extension RedisReply {
    /// Converts a hiredis reply (which the caller frees).
    init(_ r: UnsafePointer<redisReply>) {
        let reply = r.pointee
        func bytes() -> [UInt8] {
            guard let str = reply.str, reply.len > 0 else { return [] }
            return Array(UnsafeRawBufferPointer(start: str, count: reply.len))
        }
        switch reply.type {
        case REDIS_REPLY_STRING: self = .string(bytes())
        case REDIS_REPLY_STATUS: self = .status(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_ERROR: self = .error(String(decoding: bytes(), as: UTF8.self))
        case REDIS_REPLY_INTEGER: self = .integer(Int(reply.integer))
        case REDIS_REPLY_ARRAY:
            var items: [RedisReply] = []
            items.reserveCapacity(reply.elements)
            if let element = reply.element {
                for i in 0..<reply.elements {
                    if let item = element[i] { items.append(RedisReply(UnsafePointer(item))) } else { items.append(.null) }
                }
            }
            self = .array(items)
        default: self = .null
        }
    }
}

/// `close(2)`, reachable where a method named `close` shadows it.
private func closeDescriptor(_ fd: Int32) {
    _ = close(fd)
}
