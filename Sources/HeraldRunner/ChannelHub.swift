import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import HeraldTransport
import Synchronization

/// The open channel connections of one contract, of every kind: one per subscribed actor instance (or one shared),
/// each read by a task of its own that stamps messages onto the timeline and into the frame store.
final class ChannelHub: Sendable {
    struct Key: Hashable, Sendable {
        var channel: String
        var actor: String?
    }

    /// The WebSocket engine; `nil` when the contract has no WebSocket channel.
    private let engine: WebSocketEngine?
    private let timeline: TimelineRecorder
    private let redactor: Redactor
    let store: EventStore
    private let links = Mutex<[Key: any ChannelLink]>([:])
    private let readers = Mutex<[Task<Void, Never>]>([])
    private let readerState = ReaderState()
    /// Where and when each connection opened: expectations judged from the connection's start count from there.
    private let openings = Mutex<[Key: Opening]>([:])

    /// Where a connection's frames start in the store, and when it opened.
    struct Opening: Sendable {
        var position: Int
        var at: MonotonicInstant
    }

    /// Shared by the reader tasks: whether closing was asked for, and how many readers have ended.
    final class ReaderState: Sendable {
        let closing = Atomic<Bool>(false)
        /// Set by the first `closeAll()`; later calls do nothing.
        let closedAll = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
        /// Signalled as each reader ends.
        let ended = Wakeup()
    }

    init(engine: WebSocketEngine?, timeline: TimelineRecorder, redactor: Redactor, store: EventStore) {
        self.engine = engine
        self.timeline = timeline
        self.redactor = redactor
        self.store = store
    }

    /// Opens every channel of the plan, sends on-open messages and waits for each confirmation frame.
    /// This is the readiness barrier: no step runs before it returns.
    /// `only` picks a subset of (channel, actor) connections (for `herald tail`). Returns the verdicts of the
    /// connections that must be refused (`expect: { refused: … }`), which are tried and never kept.
    func openAll(plan: ContractPlan, bindings: Bindings, insecure: Bool,
                 only: ((Channel, ActorInstance?) -> Bool)? = nil) async throws -> [Verdict] {
        var jobs = plan.contract.channels.flatMap { channel in plan.connections(of: channel).map { (channel, $0) } }
        if let only { jobs = jobs.filter { only($0.0, $0.1) } }
        let contract = plan.contract.name
        return try await withThrowingTaskGroup(of: (Int, Verdict?).self) { group in
            // At most 128 connections are being opened at once: thousands of waiting opens at a time would leave the
            // memory of their tasks and handshakes scattered between the connections that stay.
            var opening = 0
            var verdicts: [(Int, Verdict)] = []
            func collect(_ done: (Int, Verdict?)?) {
                if let done, let verdict = done.1 { verdicts.append((done.0, verdict)) }
            }
            for (i, (channel, actor)) in jobs.enumerated() {
                if opening == 128 { collect(try await group.next()) } else { opening += 1 }
                let scope = bindings.acting(as: actor)
                let service = channel.service.flatMap { plan.contract.service($0) }
                let timeout = plan.contract.defaults.connectTimeout
                let insecure = insecure || (service?.insecure ?? false)
                group.addTask {
                    guard let refused = channel.refused else {
                        try await self.open(channel, actor: actor, scope: scope, service: service, timeout: timeout, insecure: insecure)
                        return (i, nil)
                    }
                    return (i, try await self.probe(channel, refused, actor: actor, scope: scope, service: service, timeout: timeout,
                                                   insecure: insecure, contract: contract))
                }
            }
            while let done = try await group.next() { collect(done) }
            // In the plan's order, whichever answered first.
            return verdicts.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// A connection that must be refused: tried, closed at once if it opens, and judged.
    private func probe(_ channel: Channel, _ expected: Refusal, actor: ActorInstance?, scope: Bindings, service: Service?,
                       timeout: Duration, insecure: Bool, contract: String) async throws -> Verdict {
        let answer: (refusal: ConnectionRefusal?, detail: String)
        do {
            let address = try await open(channel, actor: actor, scope: scope, service: service, timeout: timeout, insecure: insecure,
                                         probing: true)
            answer = (nil, "connected to \(address)")
        } catch let refused as Refused {
            answer = (refused.refusal, refused.detail)
        }
        let said = answer.refusal.map { "refused (\($0))" } ?? "accepted, and closed again"
        timeline.record(.note("a connection that must be refused (\(expected.summary)): \(said)"), actor: actor?.description,
                        channel: channel.name)
        return ConnectionJudge.refusal(expected, answered: answer.refusal, detail: answer.detail, channel: channel.name,
                                       actor: actor?.description, contract: contract)
    }

    /// A connection the server turned down, while probing one that must be refused.
    private struct Refused: Error {
        var refusal: ConnectionRefusal
        var detail: String
    }

    /// Opens one connection and returns its address; while `probing`, closes it again at once (and a refusal throws
    /// `Refused`).
    @discardableResult
    private func open(_ channel: Channel, actor: ActorInstance?, scope: Bindings, service: Service?, timeout: Duration,
                      insecure: Bool, probing: Bool = false) async throws -> String {
        let who = actor.map { " for \($0)" } ?? ""
        var headers: [HTTPHeader] = []
        for h in channel.headers { headers.append(HTTPHeader(h.name, try h.value.renderString(in: scope))) }
        for h in headers where Redactor.secretHeaders.contains(h.name.lowercased()) {
            // The credential itself (after "Bearer ") is a secret wherever it shows up.
            redactor.add(secret: h.value.split(separator: " ").last.map(String.init) ?? h.value)
        }
        let context = ChannelContext(
            baseURL: try service.map { try $0.url.renderString(in: scope) },
            target: try channel.target.renderString(in: scope),
            headers: headers,
            username: try channel.broker.username?.renderString(in: scope),
            password: try channel.broker.password?.renderString(in: scope),
            token: try channel.broker.token?.renderString(in: scope),
            tls: TLSOptions(insecure: insecure, caFile: service?.caFile),
            timeout: timeout,
            clientName: "herald-\(channel.name)\(actor.map { "-\($0)" } ?? "")-\(UInt32.random(in: 0...UInt32.max))")
        for secret in [context.password, context.token].compactMap({ $0 }) { redactor.add(secret: secret) }
        let key = Key(channel: channel.name, actor: actor?.description)
        // Taken before connecting: a server that speaks first can send before the connection is on the timeline, and
        // the transport stamps that frame when it arrives.
        let attempt = Opening(position: store.position, at: MonotonicInstant.now())
        do {
            if probing {
                // Only whether it opens matters: it is closed again, never read.
                return try await dial(channel, context, actor: actor, Prober())
            }
            let opened = try await dial(channel, context, actor: actor, Starter(hub: self, key: key, attempt: attempt))
            if channel.kind == .websocket {
                for payload in channel.onOpen { try send(payload, on: key, scope: scope) }
                if let ready = channel.ready {
                    try await awaitReady(ready, after: opened, key: key, channel: channel, who: who, scope: scope, timeout: timeout)
                }
            }
            return links.withLock { $0[key]?.address } ?? ""
        } catch let error as any TransportDiagnosis {
            if probing, let refusal = error.refusal { throw Refused(refusal: refusal, detail: error.description) }
            throw InfrastructureError(diagnosing: error, "channel '\(channel.name)'\(who)")
        } catch let error as InfrastructureError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw InfrastructureError("channel '\(channel.name)'\(who): \(error)",
                                      hint: "is the broker running, and is the service URL right?")
        }
    }

    /// What is done with a link as soon as it is open, as its concrete type.
    private protocol LinkUse: Sendable {
        associatedtype Result: Sendable
        func use<L: ChannelLink>(_ link: L) async throws -> Result
    }

    /// Keeps the link and starts reading it.
    private struct Starter: LinkUse {
        let hub: ChannelHub
        let key: Key
        let attempt: Opening
        func use<L: ChannelLink>(_ link: L) async throws -> Opening { try await hub.started(link, key: key, attempt: attempt) }
    }

    /// Closes the link at once (a connection that must be refused was accepted) and gives its address.
    private struct Prober: LinkUse {
        func use<L: ChannelLink>(_ link: L) async throws -> String {
            await link.close()
            return link.address
        }
    }

    /// Opens the connection of `channel` with its transport (or the test's connector) and hands it to `use`. Each
    /// real link is handed over as its concrete type, so that its reader is specialised.
    private func dial<U: LinkUse>(_ channel: Channel, _ context: ChannelContext, actor: ActorInstance?, _ use: U) async throws -> U.Result {
        if let connector = ChannelConnector.current {
            // Links supplied by a test (RunnerOptions.connector) are treated as the channel's kind says.
            return try await use.use(try await connector.open(channel, context, actor))
        }
        switch channel.kind {
        case .websocket:
            guard let engine else { throw InfrastructureError("channel '\(channel.name)': no WebSocket engine") }
            return try await use.use(try await WebSocketLink.open(context, engine: engine, subprotocol: channel.subprotocol,
                                                                  maxMessageSize: channel.maxMessageSize))
        case .nats:
            return try await use.use(try await NATSLink.open(context, queue: channel.broker.queue))
        case .redis:
            return try await use.use(try await RedisChannelLink.open(context, keyspace: channel.broker.keyspace,
                                                                     enableKeyspaceEvents: channel.broker.enableKeyspaceEvents))
        case .mqtt:
            return try await use.use(try await MQTTLink.open(context, qos: channel.broker.qos ?? 1))
        case .sse:
            return try await use.use(try await SSELink.open(context))
        }
    }

    /// Keeps an open link, records it on the timeline and starts reading it; returns where and when it opened: the
    /// store's position and the instant taken before it was connected (`attempt`), which no frame of it precedes.
    @discardableResult
    fileprivate func started<L: ChannelLink>(_ link: L, key: Key, attempt: Opening) async throws -> Opening {
        links.withLock { $0[key] = link }
        timeline.record(.connected(ConnectionRecord(url: link.address)), actor: key.actor, channel: key.channel)
        openings.withLock { $0[key] = attempt }
        startReader(link, key: key)
        return attempt
    }

    /// Where and when the connections of `channel` opened (only `actor`'s, when one is named).
    func openings(of channel: String, actor: String?) -> [Opening] {
        openings.withLock { all in all.filter { $0.key.channel == channel && (actor == nil || $0.key.actor == actor) }.map(\.value) }
    }

    /// Waits for the frame that confirms a WebSocket subscription: a `match` expectation on this connection, judged
    /// from the moment it opened.
    private func awaitReady(_ ready: Matcher, after opened: Opening, key: Key, channel: Channel, who: String, scope: Bindings,
                            timeout: Duration) async throws {
        let matcher = try ready.rendered(in: scope)
        let confirmation = BoundExpectation(
            id: "ready", contract: "", step: "", location: channel.location, knownGap: nil, channel: key.channel, kind: .match,
            matcher: matcher, actor: key.actor, recipients: nil, subscribers: [], within: timeout)
        let judgement = try await store.decide([EventStore.Wait(expectation: confirmation, trigger: opened.at, position: opened.position)])
        guard let verdict = judgement.first?.verdict, verdict.outcome != .passed else { return }
        if verdict.reason == .connectionDropped,
           let drop = store.disconnects.first(where: { $0.channel == key.channel && $0.actor == key.actor }) {
            throw InfrastructureError("channel '\(channel.name)'\(who) closed before its subscription was confirmed (\(drop.detail))")
        }
        throw InfrastructureError("channel '\(channel.name)'\(who): no confirmation \(matcher.summary) within \(DurationText.format(timeout))",
                                  hint: "check the channel's on_open message and ready: matcher against what the server sends")
    }

    private func startReader<L: ChannelLink>(_ link: L, key: Key) {
        let reader = Reader(key: key, address: link.address, timeline: timeline, store: store, state: readerState)
        // Not when the timeline is watched: writing a trace line or printing for `herald tail` (into a pipe that
        // may be full) must not hold up the transport's thread, which serves every connection.
        if !timeline.isWatched { link.handleSparse { reader.record($0) } }
        // On the execution's thread when the runner has one: a frame recorded there wakes the waiting step without
        // a hop between threads, and a busy shared pool cannot hold the readers up.
        let task = Task(executorPreference: ExecutionThread.current) {
            defer {
                reader.state.finished.add(1, ordering: .relaxed)
                reader.state.ended.signal()
            }
            // The loop only awaits; the work is in a synchronous function, so that each reader's task stays small
            // (thousands of idle connections hold one each).
            for await event in link.inbound { reader.record(event) }
        }
        readers.withLock { $0.append(task) }
    }

    /// Sends a message on one connection and records it.
    func send(_ payload: Payload, on key: Key, scope: Bindings) throws {
        guard let link = links.withLock({ $0[key] }) else {
            throw InfrastructureError("channel '\(key.channel)'\(key.actor.map { " for \($0)" } ?? "") has no open connection")
        }
        let text = try payload.renderedText(in: scope)
        try link.send(text: text)
        timeline.record(.sent(FrameRecord(text: text, json: nil)), actor: key.actor, channel: key.channel)
    }

    /// From now on a connection that closes is expected to (cleanup deletes the users whose streams the server then
    /// ends): it goes on the timeline but is not a dropped connection.
    func expectClosing() {
        readerState.closing.store(true, ordering: .relaxed)
    }

    /// Closes every connection and waits for the readers to finish (bounded). Only the first call does anything.
    func closeAll() async {
        readerState.closing.store(true, ordering: .relaxed)
        guard !readerState.closedAll.exchange(true, ordering: .relaxed) else { return }
        let all = links.withLock { Array($0.values) }
        await withTaskGroup(of: Void.self) { group in
            for link in all { group.addTask { await link.close() } }
        }
        let tasks = readers.withLock { $0 }
        // Readers end when their stream finishes; don't wait forever on a peer that never answers the close.
        let deadline = MonotonicInstant.now().advanced(by: .seconds(2))
        while readerState.finished.load(ordering: .relaxed) < tasks.count, MonotonicInstant.now() < deadline {
            await readerState.ended.wait(until: deadline)
        }
        for t in tasks { t.cancel() }
    }
}

/// What a connection's reader task needs to record what arrives on it: on the timeline and in the event store.
private struct Reader: Sendable {
    let key: ChannelHub.Key
    let address: String
    let timeline: TimelineRecorder
    let store: EventStore
    let state: ChannelHub.ReaderState

    /// Records one event of the connection.
    func record(_ event: InboundEvent) {
        switch event {
        case .message(let m):
            // Text as it came; a binary message (or a broker payload) as text when it is UTF-8, and as JSON
            // when that parses; other bytes in their base64: form.
            let (text, isUTF8) = m.text.map { ($0, true) } ?? MessageText.decode(m.bytes)
            // Checked and indexed, not parsed: the expectations read the fields they name from the tape.
            let tape = isUTF8 ? JSONTape(m.bytes) : nil
            // Recorded as it came: secrets are masked where the frame is shown (Redactor+Records).
            let headers = m.headers.isEmpty ? nil : m.headers.map { RecordedHeader(name: $0.name, value: $0.value) }
            let record = FrameRecord(text: text, isJSON: tape != nil, binary: !m.isText, subject: m.subject,
                                     headers: headers, id: m.id, retained: m.retained)
            let seq = timeline.record(.frame(record), actor: key.actor, channel: key.channel, at: m.receivedAt)
            let headerMap = m.headers.isEmpty ? [:] : Dictionary(m.headers.map { ($0.name.lowercased(), $0.value) }) { first, _ in first }
            store.append(tape.map {
                ObservedFrame(seq: seq, at: m.receivedAt, actor: key.actor, channel: key.channel, tape: $0,
                              text: text, subject: m.subject, headers: headerMap)
            } ?? ObservedFrame(seq: seq, at: m.receivedAt, actor: key.actor, channel: key.channel, value: .string(text),
                               text: text, subject: m.subject, headers: headerMap))
        case .note(let text):
            timeline.record(.note(text), actor: key.actor, channel: key.channel)
        case .dropped(let detail, let at):
            if state.closing.load(ordering: .relaxed) { return }
            timeline.record(.disconnected(DisconnectRecord(code: nil, reason: detail, expected: false)),
                            actor: key.actor, channel: key.channel, at: at)
            store.append(ObservedDisconnect(channel: key.channel, actor: key.actor, at: at, detail: detail))
        case .restored(let at):
            timeline.record(.connected(ConnectionRecord(url: address + " (reconnected)")),
                            actor: key.actor, channel: key.channel, at: at)
        case .closed(let code, let reason, let at, let local):
            let expected = local || state.closing.load(ordering: .relaxed)
            timeline.record(.disconnected(DisconnectRecord(code: code, reason: reason, expected: expected)),
                            actor: key.actor, channel: key.channel, at: at)
            if !expected {
                let said = reason.isEmpty || reason == "connection lost" ? "" : ": \(reason)"
                let detail = code.map { "close code \($0)\(said)" } ?? (said.isEmpty ? "connection lost" : reason)
                store.append(ObservedDisconnect(channel: key.channel, actor: key.actor, at: at, detail: detail))
            }
        }
    }
}
