import Foundation
import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import HeraldTransport

/// One contract's run: health checks, actor setup, channels and the readiness barrier, steps, cleanup, final judging.
actor ContractExecution {
    /// A verdict known at once, or an event expectation with what its step's wait decided. A pass stands (frames after
    /// the window cannot undo it); anything else is judged again at the end over the whole timeline, where an event
    /// that came after its window turns "missing" into "late", and a wait cut short becomes "not run".
    enum Slot {
        case fixed(Verdict)
        case event(BoundExpectation, trigger: MonotonicInstant, decided: Verdict?)
    }

    /// Stops the steps of a contract.
    struct Stop: Error {}

    let plan: ContractPlan
    let options: RunnerOptions
    let progress: @Sendable (String) -> Void
    let timeline: TimelineRecorder
    let redactor: Redactor
    let store: EventStore
    let http: HTTPExecutor
    let brokers: BrokerClients
    var bindings: Bindings
    var slots: [Slot] = []
    var infrastructureError: String?
    var interrupted = false
    var hub: ChannelHub?
    /// When each contract step (by index) triggered, and the store's position then: `from: step N` counts from there.
    var stepStarts: [Int: (trigger: MonotonicInstant, position: Int)] = [:]
    /// Told when a step's action is done, before its events are awaited (`herald agent` answers an action then).
    var acted: (@Sendable (SourceLocation) -> Void)?
    /// Set for `herald tail`: open only these channels for this actor, and listen instead of running steps.
    let tail: Tail?

    struct Tail {
        var channels: Set<String>
        var actor: ActorInstance?
        var duration: Duration?
    }

    var contract: Contract { plan.contract }

    init(plan: ContractPlan, client: HTTPClient, options: RunnerOptions, tail: Tail? = nil,
         progress: @escaping @Sendable (String) -> Void) throws {
        self.plan = plan
        self.tail = tail
        self.options = options
        self.progress = progress
        let name = plan.contract.name
        let onEntry = options.onEntry
        let origin = MonotonicInstant.now()
        let redactor = Redactor(secrets: plan.options.secrets, fields: plan.contract.redact)
        self.redactor = redactor
        var forward: (@Sendable (TimelineEntry) -> Void)?
        if let onEntry {
            // A live entry leaves the runner here, masked with the secrets known so far.
            forward = { @Sendable entry in onEntry(LiveEntry(contract: name, origin: origin, entry: redactor.mask(entry))) }
        }
        let timeline = TimelineRecorder(origin: origin, onAppend: forward)
        self.timeline = timeline
        store = EventStore(timeline: timeline)
        self.http = HTTPExecutor(client: client, timeline: timeline, redactor: redactor, insecure: options.insecure || plan.options.insecure)
        self.bindings = try Bindings(plan: plan, redactor: redactor)
        // An actor's fixed fields with secret-looking names (password, token, …) are secrets from the start.
        for fields in bindings.actorFields.values {
            for case let (name, .string(value)) in fields where redactor.isSecretName(name) { redactor.add(secret: value) }
        }
        self.brokers = BrokerClients(timeout: plan.contract.defaults.connectTimeout)
    }

    /// Runs `plan` to the end and returns its result. With `tail` (`herald tail`): health checks, that actor's setup,
    /// then only the named channels for that actor, listened to until the duration passes or the task is cancelled,
    /// instead of the steps. Cleanup runs either way.
    static func run(_ plan: ContractPlan, client: HTTPClient, options: RunnerOptions, tail: Tail? = nil,
                    progress: @escaping @Sendable (String) -> Void) async -> ContractResult {
        let started = MonotonicInstant.now()
        var execution: ContractExecution?
        do {
            execution = try ContractExecution(plan: plan, client: client, options: options, tail: tail, progress: progress)
        } catch {
            let redactor = Redactor(secrets: plan.options.secrets, fields: plan.contract.redact)
            return redactor.mask(ContractResult(name: plan.contract.name, file: plan.contract.file, location: plan.contract.location,
                                                verdicts: [], timeline: [], origin: started, duration: .zero,
                                                infrastructureError: "cannot bind variables: \(error)", interrupted: false,
                                                actors: plan.actors.map(\.description)))
        }
        await execution?.main()
        // Cleanup runs even when the caller was cancelled (Ctrl-C): in a task of its own that does not inherit it. The
        // result is built there too, and the execution freed there (the task holds the last reference), so that a
        // load run's execution thread, the event loop of other flows, does not stop for a flow's end.
        let ending = Task.detached { [execution] in
            guard let execution else { preconditionFailure("the execution was made above") }
            await execution.finish()
            return await execution.result(started: started)
        }
        execution = nil
        return await ending.value
    }

    // MARK: - Phases

    private func main() async {
        await recordingFailures {
            // The WebSocket engine (a libwebsockets context and its service thread) is made only for a contract that
            // has a WebSocket channel, or lent by the load run whose flow this is.
            if contract.channels.contains(where: { $0.kind == .websocket }) {
                if let shared = options.sharedEngine {
                    try await body(engine: try shared.engine())
                } else {
                    // The connections are closed (a Close frame with 1000, its answer awaited briefly) before the
                    // engine goes: shutting it down would only drop them.
                    try await withWebSocketEngine { engine in
                        do {
                            try await self.body(engine: engine)
                        } catch {
                            await self.hub?.closeAll()
                            throw error
                        }
                        await self.hub?.closeAll()
                    }
                }
            } else {
                try await body(engine: nil)
            }
        }
    }

    /// Runs `work`; what stops it (a failed step, an interrupt, an infrastructure error) becomes the result's state.
    /// Returns whether it ran to its end.
    @discardableResult
    func recordingFailures(_ work: () async throws -> Void) async -> Bool {
        do {
            try await work()
            if Task.isCancelled { interrupted = true }
            return !Task.isCancelled
        } catch is Stop {
        } catch is CancellationError {
            interrupted = true
        } catch let error as InfrastructureError {
            infrastructureError = error.description
            timeline.record(.note("infrastructure error: \(error.message)"))
        } catch let error as any TransportDiagnosis {
            // A failure no step caught (the WebSocket engine could not start, say).
            infrastructureError = InfrastructureError(diagnosing: error, contract.name).description
        } catch {
            infrastructureError = "\(error)"
        }
        if Task.isCancelled { interrupted = true }
        return false
    }

    private func body(engine: WebSocketEngine?) async throws {
        try await prepare(engine: engine)
        if let tail {
            progress("listening")
            // Listens for the duration asked for, or until Ctrl-C cancels the task.
            if let duration = tail.duration { try await Task.sleep(for: duration) } else { await Wakeup().wait() }
            return
        }
        try await runSteps { _ in true }
    }

    /// Health checks, actor setup, then every channel behind the readiness barrier.
    func prepare(engine: WebSocketEngine?) async throws {
        progress("waiting for services")
        try await awaitHealth()
        for actor in plan.actors where tail == nil || tail?.actor == actor {
            guard let decl = contract.actor(actor.actor), !decl.setup.isEmpty else { continue }
            progress("setting up \(actor)")
            for (i, step) in decl.setup.enumerated() {
                try await run(step, label: "setup \(actor) · \(i + 1): \(step.label)", idPrefix: "\(contract.name) › setup \(actor) \(i + 1)",
                              scope: bindings.acting(as: actor), setupOf: actor)
            }
        }
        let hub = ChannelHub(engine: engine, timeline: timeline, redactor: redactor, store: store)
        self.hub = hub
        if !contract.channels.isEmpty {
            progress("connecting channels")
            let only = tail.map { t in { (channel: Channel, actor: ActorInstance?) in t.channels.contains(channel.name) && (actor == nil || actor == t.actor) } }
            let refusals = try await hub.openAll(plan: plan, bindings: bindings, insecure: options.insecure || plan.options.insecure,
                                                 only: only)
            for v in refusals { slots.append(.fixed(v)) }
        }
    }

    /// The contract's steps that `include` picks, in order.
    func runSteps(_ include: (Step) -> Bool) async throws {
        for (i, step) in contract.steps.enumerated() where include(step) {
            try Task.checkCancellation()
            let planned = plan.step(i)
            progress(planned.progress)
            try await run(step, label: planned.label, idPrefix: planned.idPrefix, scope: bindings.acting(as: planned.actor),
                          setupOf: nil, index: i)
        }
    }

    /// Cleanup steps, then closing every connection. Never throws.
    func finish() async {
        hub?.expectClosing()
        if !contract.cleanup.isEmpty {
            progress("cleanup")
            // Cleanup needs no channels; it runs whatever happened before.
            for (i, step) in contract.cleanup.enumerated() {
                do {
                    let scope = bindings.acting(as: step.actor.flatMap { plan.instance($0) })
                    try await run(step, label: "cleanup \(i + 1): \(step.label)", idPrefix: "\(contract.name) › cleanup \(i + 1)",
                                  scope: scope, setupOf: nil, isCleanup: true)
                } catch {
                    timeline.record(.note("cleanup step \(i + 1) failed: \(error)"))
                }
            }
        }
        await hub?.closeAll()
        await brokers.closeAll()
    }

    func awaitHealth() async throws {
        for service in contract.services {
            guard let health = service.health else { continue }
            let timeout = service.healthTimeout ?? contract.defaults.healthTimeout
            let deadline = MonotonicInstant.now().advanced(by: timeout)
            let action = HTTPAction(method: "GET", service: service.name, target: health, headers: [], query: [], body: nil,
                                    timeout: .seconds(2))
            var last = ""
            while true {
                try Task.checkCancellation()
                do {
                    let r = try await http.perform(action, contract: contract, scope: bindings)
                    if (200..<300).contains(r.status) { break }
                    last = "status \(r.status)"
                } catch let error as InfrastructureError {
                    last = error.message
                }
                if MonotonicInstant.now() >= deadline {
                    let url = (try? service.url.renderString(in: bindings)) ?? service.url.raw
                    throw InfrastructureError("service '\(service.name)' (\(URLs.masked(url))) is not healthy after \(DurationText.format(timeout)): \(last)",
                                              hint: "start the service, or check its url and health path (\(service.location))")
                }
                // The service is another process that says nothing when it becomes healthy: it is asked again.
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    // MARK: - Steps

    func run(_ step: Step, label: String, idPrefix: String, scope: Bindings, setupOf actor: ActorInstance?,
             isCleanup: Bool = false, index: Int? = nil) async throws {
        timeline.record(.step(StepRecord(label: label, location: step.location)), actor: scope.currentActor?.description)
        // Caches are read once before the action, so that a failure can show what was there before.
        let probes = step.caches.isEmpty ? [] : try await cacheProbes(step, label: label, idPrefix: idPrefix, scope: scope)
        // Frames at or after the trigger take positions from here on.
        let position = store.position
        let trigger = MonotonicInstant.now()
        if let index { stepStarts[index] = (trigger, position) }
        var stepFailed = false
        func add(_ v: Verdict) {
            slots.append(.fixed(v))
            if v.outcome == .failed { stepFailed = true }
        }
        func failure(_ kind: Verdict.Kind, _ reason: Verdict.Reason, _ message: String, at location: SourceLocation? = nil,
                     evidence: [Evidence] = []) -> Verdict {
            Verdict(id: "\(idPrefix) › \(kind.rawValue)", contract: contract.name, step: label, kind: kind, outcome: .failed,
                    reason: reason, message: message, location: location ?? step.location, evidence: evidence)
        }
        do {
            switch step.action {
            case .http(let action):
                // A step that asserts a 429 gets it; any other waits out its Retry-After.
                let expects429 = (try? step.response.status?.rendered(in: scope))??.matches(.number(429)) ?? false
                let response = try await http.perform(action, contract: contract, scope: scope, expects429: expects429)
                try judgeResponse(step, response, label: label, idPrefix: idPrefix, scope: scope, setupOf: actor, add: add)
            case .poll(let poll):
                let (response, verdict) = try await runPoll(poll, step: step, label: label, idPrefix: idPrefix, scope: scope)
                add(verdict)
                if let response { try judgeResponse(step, response, label: label, idPrefix: idPrefix, scope: scope, setupOf: actor, add: add) }
            case .send(let send):
                guard let hub else { throw InfrastructureError("channel '\(send.channel)' is not open") }
                let key = ChannelHub.Key(channel: send.channel, actor: plan.subscribers(of: contract.channel(send.channel)!).isEmpty ? nil : scope.currentActor?.description)
                try hub.send(send.payload, on: key, scope: scope)
            case .sleep(let d):
                try await Task.sleep(for: d)
            case .shell(let shell):
                add(try await runShell(shell, label: label, idPrefix: idPrefix, scope: scope, location: step.location))
            case .publish(let message):
                try await publish(message, scope: scope)
            case .request(let message):
                guard let response = try await request(message, scope: scope) else {
                    add(failure(.body, .timeout, "no reply to \(step.action.summary) within \(DurationText.format(message.timeout ?? .seconds(5)))"))
                    throw Stop()
                }
                try judgeResponse(step, response, label: label, idPrefix: idPrefix, scope: scope, setupOf: actor, add: add)
            case .redis(let command):
                let response = try await redis(command, scope: scope)
                try judgeResponse(step, response, label: label, idPrefix: idPrefix, scope: scope, setupOf: actor, add: add)
            case .sql(let query):
                try await runSQL(query, step: step, label: label, idPrefix: idPrefix, scope: scope, setupOf: actor, add: add)
            }
        } catch let error as TemplateError {
            notChecked(probes)
            if isCleanup {
                // Typically a capture from a setup that never ran: there is nothing to clean up.
                slots.append(.fixed(StepJudge.skipped(step.action.summary, error, contract: contract.name, step: label,
                                                      idPrefix: idPrefix, location: step.location)))
                return
            }
            add(StepJudge.cannotRun(step.action.summary, error, contract: contract.name, step: label, idPrefix: idPrefix,
                                    location: step.location))
            throw Stop()
        } catch {
            notChecked(probes)
            throw error
        }
        acted?(step.location)
        func events() async throws -> Bool {
            guard !step.events.isEmpty else { return false }
            // The step's captures are bound now: the expectations may use them.
            let scope = bindings.acting(as: scope.currentActor)
            return try await awaitEvents(step, trigger: trigger, position: position, label: label, idPrefix: idPrefix, scope: scope, add: add)
        }
        var eventsFailed: Bool
        let cacheVerdicts: [Verdict]
        if probes.isEmpty {
            // No child task for caches a step does not check: a step's latency is counted in microseconds.
            eventsFailed = try await events()
            cacheVerdicts = []
        } else {
            // Caches are read while the events are awaited: both count from the trigger.
            async let checked = checkCaches(probes, trigger: trigger)
            eventsFailed = try await events()
            cacheVerdicts = try await checked
        }
        for v in cacheVerdicts {
            slots.append(.fixed(v))
            if v.outcome == .failed { eventsFailed = true }
        }
        if isCleanup { return }
        // A channel connection dropped: later expectations on it could only fail, so the contract ends here
        // (cleanup still runs) and the drop becomes its infrastructure error.
        if !store.disconnects.isEmpty { throw Stop() }
        if options.failFast && (stepFailed || eventsFailed) { throw Stop() }
        // After a failed response assertion (or a failed setup) the system's state is unknown: stop here rather than
        // pile up follow-on failures. Failed event expectations do not change that state, so the steps go on.
        if stepFailed { throw Stop() }
    }

    /// The cache expectations of a step whose action did not complete: not run, so that the report still lists them.
    private func notChecked(_ probes: [CacheProbe]) {
        for p in probes { slots.append(.fixed(CacheJudge.notChecked(p.expectation))) }
    }

    func judgeResponse(_ step: Step, _ response: ObservedResponse, label: String, idPrefix: String, scope: Bindings,
                               setupOf actor: ActorInstance?, add: (Verdict) -> Void) throws {
        let rendered = try render(step.response, scope: scope)
        for v in ResponseJudge.judge(rendered, response: response, contract: contract.name, step: label, idPrefix: idPrefix,
                                     location: step.location) {
            add(v)
        }
        // Parsed once for all the captures.
        let body = step.captures.isEmpty ? .null : response.body
        for c in step.captures {
            guard let value = ResponseJudge.capture(c, body: body, status: response.status, header: response.header) else {
                add(ResponseJudge.missingCapture(c.name, at: c.location, response: response, contract: contract.name, step: label,
                                                 idPrefix: idPrefix))
                throw Stop()
            }
            bind(c.name, value, for: actor)
        }
    }

    func bind(_ name: String, _ value: JSONValue, for actor: ActorInstance?) {
        if redactor.isSecretName(name), case .string(let s) = value { redactor.add(secret: s) }
        if let actor { bindings.actorFields[actor, default: [:]][name] = value } else { bindings.captures[name] = value }
    }

    private func render(_ r: ResponseExpectations, scope: Bindings) throws -> ResponseExpectations {
        var out = r
        out.status = try r.status?.rendered(in: scope)
        out.body = try r.body?.rendered(in: scope)
        out.headers = try r.headers.map { ($0.name, try $0.matcher.rendered(in: scope), $0.location) }
        return out
    }

    private func runPoll(_ poll: PollAction, step: Step, label: String, idPrefix: String,
                         scope: Bindings) async throws -> (ObservedResponse?, Verdict) {
        let outcome = try await repeating(poll.polling, step: step, label: label, idPrefix: idPrefix, scope: scope) {
            try await http.perform(poll.request, contract: contract, scope: scope)
        }
        guard let outcome else { preconditionFailure("an HTTP attempt always answers or throws") }
        return outcome
    }

    /// Runs `attempt` every `polling.every` until `polling.until` holds or `polling.within` passes, and judges what it
    /// saw: the response that met the condition (if one did) and the poll's verdict. The server is asked again on a
    /// schedule, since nothing tells Herald when its state changes. `nil` when an attempt gave no response (its own
    /// verdict says why).
    func repeating(_ polling: Polling, step: Step, label: String, idPrefix: String, scope: Bindings,
                   attempt: () async throws -> ObservedResponse?) async throws -> (ObservedResponse?, Verdict)? {
        let until = try polling.until.rendered(in: scope)
        let deadline = MonotonicInstant.now().advanced(by: polling.within)
        var observations = PollObservations(until: until, record: polling.record)
        while true {
            guard let r = try await attempt() else { return nil }
            if observations.observe(r) { break }
            if MonotonicInstant.now().advanced(by: polling.every) > deadline { break }
            try await Task.sleep(for: polling.every)
        }
        // `seen:` is rendered only when the state was reached, as before: the judge does not look at it otherwise.
        let expected = observations.reached ? try polling.seen.map { try $0.map { try $0.rendered(in: scope) } } : nil
        let outcome = PollJudge.judge(observations, expectedSeen: expected, within: polling.within, contract: contract.name,
                                      step: label, idPrefix: idPrefix, location: step.location)
        return (outcome.response, outcome.verdict)
    }

    private func runShell(_ shell: ShellAction, label: String, idPrefix: String, scope: Bindings,
                          location: SourceLocation) async throws -> Verdict {
        let command = try shell.command.renderString(in: scope)
        timeline.record(.note("shell: \(command)"))
        let (status, output) = try await ShellCommand.run(command, timeout: shell.timeout)
        return ShellJudge.judge(status: status, output: output, timeout: shell.timeout, contract: contract.name, step: label,
                                idPrefix: idPrefix, location: location)
    }

    // MARK: - Events

    /// The expectation with its templates rendered; whom it watches and for how long the plan resolved.
    private func bind(_ e: EventExpectation, index: Int, label: String, idPrefix: String, scope: Bindings) throws -> BoundExpectation {
        let planned = plan.planned(e)
        let watch = planned.watch
        let kind: BoundExpectation.Kind
        switch e.kind {
        case .match: kind = .match
        case .count(let n): kind = .count(n)
        case .absent: kind = .absent
        case .sequence(let items, let strict):
            kind = .sequence(try items.map { .init($0.channel ?? e.channel, try $0.matcher.rendered(in: scope),
                                                   subject: try $0.subject?.rendered(in: scope)) }, strict: strict)
        }
        var bound = BoundExpectation(
            id: "\(idPrefix) › \(watch.kindName) #\(index + 1)", contract: contract.name, step: label, location: e.location,
            knownGap: e.knownGap, channel: e.channel, kind: kind,
            matcher: planned.compiled == nil ? try e.matcher.rendered(in: scope) : e.matcher, compiled: planned.compiled,
            subject: try e.subject?.rendered(in: scope), actor: watch.actor, recipients: watch.recipients,
            subscribers: watch.subscribers, within: watch.within)
        bound.headers = try e.headers.map { ($0.name.lowercased(), try $0.matcher.rendered(in: scope)) }
        bound.latencyLimits = e.latency
        bound.judgesLatency = !e.latency.isEmpty && !plan.options.inLoadRun
        return bound
    }

    /// Waits until every event expectation of a step is decided; returns whether any failed.
    private func awaitEvents(_ step: Step, trigger: MonotonicInstant, position: Int, label: String, idPrefix: String, scope: Bindings,
                             add: (Verdict) -> Void) async throws -> Bool {
        var bound: [(EventExpectation, BoundExpectation)] = []
        for (i, e) in step.events.enumerated() {
            do {
                bound.append((e, try bind(e, index: i, label: label, idPrefix: idPrefix, scope: scope)))
            } catch {
                add(Verdict(id: "\(idPrefix) › event #\(i + 1)", contract: contract.name, step: label, kind: .step, outcome: .failed,
                            reason: .unresolved, message: "cannot bind the expectation: \(error)", location: e.location))
                throw Stop()
            }
        }
        // The slots go in first, so that a wait cut short still leaves its expectations to be judged at the end.
        let firstSlot = slots.count
        let waits = bound.map { e, b in
            origin(of: e, b) ?? EventStore.Wait(expectation: b, trigger: trigger, position: position)
        }
        for w in waits { slots.append(.event(w.expectation, trigger: w.trigger, decided: nil)) }
        // Each is judged again only when a frame that can decide it arrives, a connection drops, or its deadline
        // passes (EventStore.decide); other frames never reach it.
        let decided = try await store.decide(waits)
        var failed = false
        for (i, (e, b)) in bound.enumerated() {
            guard case .decided(let v, let frame) = decided[i] else { continue }
            slots[firstSlot + i] = .event(b, trigger: waits[i].trigger, decided: v)
            if v.outcome == .failed { failed = true }
            if let frame {
                for c in e.captures {
                    if let value = ResponseJudge.capture(c, body: frame.value, status: nil, header: { _ in nil }) {
                        bind(c.name, value, for: nil)
                    }
                }
            }
        }
        return failed
    }

    /// The wait of an expectation whose window opens elsewhere than at its own step's trigger (`from:`), or `nil` for
    /// its step's trigger (also when the connection or the step it names never started: an agent action not run yet).
    private func origin(of e: EventExpectation, _ b: BoundExpectation) -> EventStore.Wait? {
        switch e.from {
        case .trigger: return nil
        case .connect: return connectWait(b)
        case .step(let ref):
            guard let i = contract.stepIndex(ref), let start = stepStarts[i] else { return nil }
            return EventStore.Wait(expectation: b, trigger: start.trigger, position: start.position)
        }
    }

    /// The wait of an expectation judged from when its connection opened (the earliest of the connections it
    /// watches), or `nil` when none of them is open.
    private func connectWait(_ b: BoundExpectation) -> EventStore.Wait? {
        guard let hub else { return nil }
        let openings = hub.openings(of: b.channel, actor: b.actor)
        guard let first = openings.min(by: { $0.at < $1.at }) else { return nil }
        return EventStore.Wait(expectation: b, trigger: first.at, position: openings.map(\.position).min()!)
    }

    // MARK: - Result

    func result(started: MonotonicInstant) -> ContractResult {
        // The connections are closed by now. The frames are read back from the timeline only if a verdict needs them.
        let drops = store.disconnects
        var frames: [ObservedFrame]?
        func allFrames() -> [ObservedFrame] {
            if frames == nil { frames = store.snapshot.frames }
            return frames!
        }
        let now = MonotonicInstant.now()
        var verdicts: [Verdict] = []
        var seen: Set<String> = []
        seen.reserveCapacity(slots.count)
        for slot in slots {
            switch slot {
            case .fixed(let v):
                if seen.insert(v.id).inserted { verdicts.append(v) }
            case .event(let b, let trigger, let decided):
                guard seen.insert(b.id).inserted else { continue }
                let passed = decided.flatMap { $0.outcome == .passed ? $0 : nil }
                if let v = passed ?? EventJudge.judge(b, trigger: trigger, frames: allFrames(), disconnects: drops, now: now, final: true).verdict {
                    verdicts.append(v)
                }
            }
        }
        verdicts += ConnectionJudge.judge(drops, origin: timeline.origin, contract: contract.name,
                                          location: { name in contract.channels.first { $0.name == name }?.location })
        let infra = infrastructureError ?? ConnectionJudge.infrastructureError(drops, origin: timeline.origin)
        // The result leaves the runner here: everything in it is masked with every secret learnt during the run.
        return redactor.mask(ContractResult(name: contract.name, file: contract.file, location: contract.location, verdicts: verdicts,
                              timeline: timeline.entries, origin: timeline.origin, duration: started.duration(to: now),
                              infrastructureError: infra, interrupted: interrupted, actors: plan.actors.map(\.description)))
    }
}
