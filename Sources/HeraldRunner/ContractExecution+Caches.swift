import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import HeraldTransport
import Synchronization

/// Cache expectations: a reading before the step, then readings after it until the cache is invalidated or the
/// deadline passes; ``CacheJudge`` gives the verdict.
extension ContractExecution {
    /// A cache expectation ready to be read: what it is, how to read it, and the reading before the step.
    struct CacheProbe: Sendable {
        var expectation: BoundCacheExpectation
        var read: @Sendable () async throws -> CacheSample
        var baseline: CacheSample?
        var pause: Duration
    }

    /// Binds every cache expectation of `step` and takes its reading before the trigger.
    func cacheProbes(_ step: Step, label: String, idPrefix: String, scope: Bindings) async throws -> [CacheProbe] {
        var probes: [CacheProbe] = []
        for (i, c) in step.caches.enumerated() {
            let id = "\(idPrefix) › cache #\(i + 1)"
            let within = c.within ?? contract.defaults.within
            switch c.target {
            case .redisKey(let service, let keyTemplate):
                let (kind, url) = try broker(service, scope: scope, what: "a cache key check")
                guard kind == .redis else { throw InfrastructureError("key: needs a redis:// service; '\(service ?? "")' is \(kind.rawValue)") }
                let key = try keyTemplate.renderString(in: scope)
                let condition: BoundCacheExpectation.Condition = switch c.condition {
                case .absent: .absent
                case .present: .present
                case .equals(let m): .equals(try m.rendered(in: scope))
                case .revalidates: .present
                }
                let e = BoundCacheExpectation(id: id, contract: contract.name, step: label, location: c.location, knownGap: c.knownGap,
                                              what: "redis key \(key)", condition: condition, within: within)
                let connection = try await onBroker(url) { try await brokers.redisConnection(url) }
                let timeline = self.timeline
                let service = service
                // The key is read every 20 ms; the timeline gets a line only when its value changes.
                let last = Mutex<(value: JSONValue?, seq: Int)?>(nil)
                let read: @Sendable () async throws -> CacheSample = {
                    let bytes = try await connection.get(key)
                    let at = MonotonicInstant.now()
                    let value = bytes.map { JSONParser.parseIfJSON($0) ?? .string(String(decoding: $0, as: UTF8.self)) }
                    if let seen = last.withLock({ $0 }), seen.value == value { return CacheSample(at: at, value: value, seq: seen.seq) }
                    let seq = timeline.record(.note("redis GET \(key) → \(value.map { $0.encoded() } ?? "(nil)")"),
                                                channel: service, at: at)
                    last.withLock { $0 = (value, seq) }
                    return CacheSample(at: at, value: value, seq: seq)
                }
                probes.append(CacheProbe(expectation: e, read: read, baseline: try await onBroker(url) { try await read() },
                                         pause: .milliseconds(20)))
            case .http(let request):
                let body: Matcher? = if case .revalidates(let b) = c.condition { try b?.rendered(in: scope) } else { nil }
                let e = BoundCacheExpectation(id: id, contract: contract.name, step: label, location: c.location, knownGap: c.knownGap,
                                              what: "\(request.method) \(request.target.raw)", condition: .revalidates(body: body),
                                              within: within)
                let actorScope = c.actor.map { bindings.acting(as: plan.instance($0)) } ?? scope
                let first = try await http.perform(request, contract: contract, scope: actorScope)
                var conditional = request
                if let etag = first.header("etag") { conditional.headers.append(("If-None-Match", Template(literal: etag))) }
                if let modified = first.header("last-modified") {
                    conditional.headers.append(("If-Modified-Since", Template(literal: modified)))
                }
                if first.header("etag") == nil, first.header("last-modified") == nil {
                    timeline.record(.note("\(e.what) sent neither ETag nor Last-Modified: it is read again plainly"))
                }
                let http = self.http
                let contract = self.contract
                let ask = conditional
                let read: @Sendable () async throws -> CacheSample = {
                    let r = try await http.perform(ask, contract: contract, scope: actorScope)
                    return CacheSample(at: MonotonicInstant.now(), value: r.body, status: r.status, seq: r.seq)
                }
                probes.append(CacheProbe(expectation: e, read: read,
                                         baseline: CacheSample(at: MonotonicInstant.now(), value: first.body, status: first.status, seq: first.seq),
                                         pause: .milliseconds(100)))
            }
        }
        return probes
    }

    /// Reads every probe until its cache is invalidated or its deadline passes, all at once; returns the verdicts.
    nonisolated func checkCaches(_ probes: [CacheProbe], trigger: MonotonicInstant) async throws -> [Verdict] {
        try await withThrowingTaskGroup(of: (Int, Verdict).self) { group in
            for (i, probe) in probes.enumerated() {
                group.addTask {
                    let deadline = trigger.advanced(by: probe.expectation.within)
                    var samples: [CacheSample] = []
                    while true {
                        let sample = try await probe.read()
                        samples.append(sample)
                        if probe.expectation.holds(sample) || sample.at >= deadline { break }
                        // A cache says nothing when it changes (a Redis without keyspace events, an HTTP resource):
                        // it is read again after the probe's pause.
                        try await Task.sleep(for: min(probe.pause, MonotonicInstant.now().duration(to: deadline)))
                    }
                    return (i, CacheJudge.judge(probe.expectation, trigger: trigger, baseline: probe.baseline, samples: samples))
                }
            }
            var out: [(Int, Verdict)] = []
            for try await v in group { out.append(v) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }
}
