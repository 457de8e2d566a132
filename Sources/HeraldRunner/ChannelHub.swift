import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import HeraldTransport
import Synchronization

/// The open channel connections of one contract: one per subscribed actor instance (or one shared), each read by a
/// task of its own that stamps frames onto the timeline and into the frame store.
final class ChannelHub: Sendable {
    struct Key: Hashable, Sendable {
        var channel: String
        var actor: String?
    }

    private let engine: WebSocketEngine
    private let timeline: TimelineRecorder
    private let redactor: Redactor
    let store: FrameStore
    private let connections = Mutex<[Key: WebSocketConnection]>([:])
    private let readers = Mutex<[Task<Void, Never>]>([])
    private let readerState = ReaderState()

    /// Shared by the reader tasks: whether closing was asked for, and how many readers have ended.
    private final class ReaderState: Sendable {
        let closing = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
    }

    init(engine: WebSocketEngine, timeline: TimelineRecorder, redactor: Redactor, store: FrameStore) {
        self.engine = engine
        self.timeline = timeline
        self.redactor = redactor
        self.store = store
    }

    /// Opens every channel of the plan, sends on-open messages and waits for each confirmation frame.
    /// This is the readiness barrier: no step runs before it returns.
    /// `only` picks a subset of (channel, actor) connections (for `herald tail`).
    func openAll(plan: ContractPlan, bindings: Bindings, insecure: Bool,
                 only: ((Channel, ActorInstance?) -> Bool)? = nil) async throws {
        var jobs: [(Channel, ActorInstance?)] = []
        for channel in plan.contract.channels {
            let subscribers = plan.subscribers(of: channel)
            if subscribers.isEmpty { jobs.append((channel, nil)) } else { jobs += subscribers.map { (channel, $0) } }
        }
        if let only { jobs = jobs.filter { only($0.0, $0.1) } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (channel, actor) in jobs {
                let scope = bindings.acting(as: actor)
                let service = channel.service.flatMap { plan.contract.service($0) }
                let timeout = plan.contract.defaults.connectTimeout
                group.addTask {
                    try await self.open(channel, actor: actor, scope: scope, service: service, timeout: timeout,
                                        insecure: insecure || (service?.insecure ?? false))
                }
            }
            try await group.waitForAll()
        }
    }

    private func open(_ channel: Channel, actor: ActorInstance?, scope: Bindings, service: Service?, timeout: Duration,
                      insecure: Bool) async throws {
        let who = actor.map { " for \($0)" } ?? ""
        let base = try service.map { try $0.url.renderString(in: scope) }
        let url = URLs.webSocket(URLs.join(base, try channel.target.renderString(in: scope)))
        var headers: [HTTPHeader] = []
        for h in channel.headers { headers.append(HTTPHeader(h.name, try h.value.renderString(in: scope))) }
        for h in headers where Redactor.secretHeaders.contains(h.name.lowercased()) {
            // The credential itself (after "Bearer ") is a secret wherever it shows up.
            redactor.add(secret: h.value.split(separator: " ").last.map(String.init) ?? h.value)
        }
        let options = WebSocketOptions(url: url, headers: headers, subprotocol: channel.subprotocol,
                                       tls: TLSOptions(insecure: insecure, caFile: service?.caFile), connectTimeout: timeout)
        let connection: WebSocketConnection
        do {
            connection = try await engine.connect(options)
        } catch let error as TransportError {
            throw InfrastructureError("channel '\(channel.name)'\(who): \(error)",
                                      hint: hint(for: error))
        }
        let key = Key(channel: channel.name, actor: actor?.description)
        connections.withLock { $0[key] = connection }
        let opened = timeline.record(.connected(ConnectionRecord(url: redactor.redact(URLs.masked(url)))),
                                     actor: key.actor, channel: channel.name)
        startReader(connection, key: key)
        for payload in channel.onOpen {
            try send(payload, on: key, scope: scope)
        }
        if let ready = channel.ready {
            let matcher = try ready.rendered(in: scope)
            let deadline = MonotonicInstant.now().advanced(by: timeout)
            while true {
                if store.frames.contains(where: { $0.channel == key.channel && $0.actor == key.actor && $0.seq > opened.seq && matcher.matches($0.value) }) {
                    break
                }
                if let drop = store.disconnects.first(where: { $0.channel == key.channel && $0.actor == key.actor }) {
                    throw InfrastructureError("channel '\(channel.name)'\(who) closed before its subscription was confirmed (\(drop.detail))")
                }
                if MonotonicInstant.now() >= deadline {
                    throw InfrastructureError("channel '\(channel.name)'\(who): no confirmation \(matcher.summary) within \(DurationText.format(timeout))",
                                              hint: "check the channel's on_open message and ready: matcher against what the server sends")
                }
                try await Task.sleep(for: .milliseconds(2))
            }
        }
    }

    private func hint(for error: TransportError) -> String? {
        if error.description.contains("refused") { return "is the service running, and is the URL right?" }
        if error.description.contains("401") || error.description.contains("403") {
            return "the server refused the upgrade: check the channel's headers (credentials) and path"
        }
        return nil
    }

    private func startReader(_ connection: WebSocketConnection, key: Key) {
        let timeline = self.timeline
        let store = self.store
        let redactor = self.redactor
        let state = self.readerState
        let task = Task {
            defer { state.finished.add(1, ordering: .relaxed) }
            for await event in connection.events {
                switch event {
                case .message(let m):
                    let text = m.isText ? (m.text ?? String(decoding: m.bytes, as: UTF8.self)) : m.bytes.map { String(format: "%02x", $0) }.joined()
                    let json = m.isText ? JSONParser.parseIfJSON(m.bytes) : nil
                    let shown = redactor.redact(text)
                    let entry = timeline.record(.frame(FrameRecord(text: shown, json: json.map { redactor.redact($0) }, binary: !m.isText)),
                                                actor: key.actor, channel: key.channel, at: m.receivedAt)
                    store.append(ObservedFrame(seq: entry.seq, at: m.receivedAt, actor: key.actor, channel: key.channel,
                                               value: json ?? .string(text), text: shown))
                case .pong:
                    break
                case .closed(let code, let reason, let at, let local):
                    let expected = local || state.closing.load(ordering: .relaxed)
                    timeline.record(.disconnected(DisconnectRecord(code: code, reason: reason, expected: expected)),
                                    actor: key.actor, channel: key.channel, at: at)
                    if !expected {
                        let said = reason.isEmpty || reason == "connection lost" ? "" : ": \(reason)"
                        let detail = code.map { "close code \($0)\(said)" } ?? "connection lost\(said)"
                        store.append(ObservedDisconnect(channel: key.channel, actor: key.actor, at: at, detail: detail))
                    }
                }
            }
        }
        readers.withLock { $0.append(task) }
    }

    /// Sends a message on one connection and records it.
    func send(_ payload: Payload, on key: Key, scope: Bindings) throws {
        guard let connection = connections.withLock({ $0[key] }) else {
            throw InfrastructureError("channel '\(key.channel)'\(key.actor.map { " for \($0)" } ?? "") has no open connection")
        }
        let text: String
        switch payload {
        case .json(let j): text = try j.rendered(in: scope).encoded()
        case .text(let t): text = try t.renderString(in: scope)
        }
        connection.send(text: text)
        timeline.record(.sent(FrameRecord(text: redactor.redact(text), json: nil)), actor: key.actor, channel: key.channel)
    }

    /// The keys of the open connections of `channel`.
    func keys(of channel: String) -> [Key] {
        connections.withLock { Array($0.keys) }.filter { $0.channel == channel }
    }

    /// Closes every connection and waits for the readers to finish (bounded).
    func closeAll() async {
        readerState.closing.store(true, ordering: .relaxed)
        let all = connections.withLock { Array($0.values) }
        for c in all { c.close(code: 1000, reason: "run finished") }
        let tasks = readers.withLock { $0 }
        // Readers end when their stream finishes; don't wait forever on a peer that never answers the close.
        let deadline = MonotonicInstant.now().advanced(by: .seconds(2))
        while readerState.finished.load(ordering: .relaxed) < tasks.count, MonotonicInstant.now() < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        for t in tasks { t.cancel() }
    }
}
