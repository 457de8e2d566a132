import HeraldContract
import HeraldCore
import HeraldJudge
import Testing

private typealias F = Fixture

/// The runner re-judges a pending expectation only when `EventJudge.canDecide` says a new frame can change it, or its
/// deadline passes. These tests replay many frame streams tick by tick (5 ms, the runner's own pace) both ways and
/// require the same verdict at the same instant. Frames arrive on the ticks, so no instant between them is skipped.
@Suite("judging only on frames that can decide")
struct IncrementalJudgingTests {
    /// A small deterministic generator, so that a failure replays.
    struct Rng {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
    }

    static let types: [JSONValue] = ["a", "b", "offer.accepted", "other"]
    static let actors: [String?] = ["buyer", "seller[0]", "seller[1]", nil]

    static func stream(seed: UInt64) -> [ObservedFrame] {
        var rng = Rng(state: seed)
        var at = -50
        return (0..<rng.next(12)).map { seq in
            at += 5 * rng.next(18)
            let channel = rng.next(5) == 0 ? "orders" : "inbox"
            let actor = actors[rng.next(actors.count)]
            let type = types[rng.next(types.count)]
            // A number, its text, another number, or nothing: the index must treat 1 and "1" as one key.
            let n: [JSONValue?] = [1, "1", 2, nil]
            var value: [String: JSONValue] = ["type": type]
            value["n"] = n[rng.next(n.count)]
            // The same n one level down, for matchers on nested objects.
            value["o"] = value["n"].map { ["n": $0] }
            return F.frame(seq, at: at, actor, .object(value), channel: channel)
        }
    }

    static let kinds: [(String, BoundExpectation)] = {
        let a = Matcher.object([F.member("type", "a")])
        let b = Matcher.object([F.member("type", "b")])
        let accepted = Matcher.object([F.member("type", "offer.accepted")])
        return [
            ("match", F.expectation(matcher: accepted, within: .milliseconds(400))),
            ("match as seller[0]", F.expectation(matcher: accepted, actor: "seller[0]", within: .milliseconds(400))),
            ("recipients", F.expectation(matcher: accepted, recipients: ["buyer"], within: .milliseconds(400))),
            ("count 2", F.expectation(.count(2), matcher: a, within: .milliseconds(400))),
            ("absent", F.expectation(.absent, matcher: b, actor: "buyer", within: .milliseconds(400))),
            ("sequence", F.expectation(.sequence([.init("inbox", a), .init("orders", b)], strict: false), within: .milliseconds(400))),
            ("strict sequence", F.expectation(.sequence([.init("inbox", a), .init("inbox", b)], strict: true), actor: "buyer",
                                              within: .milliseconds(400))),
            ("match on a number", F.expectation(matcher: .object([F.member("type", "a"), F.member("n", 1)]), within: .milliseconds(400))),
            ("match with an operator", F.expectation(matcher: .object([
                Matcher.Member(key: "n", path: JSONPath(fields: ["n"]), matcher: .compare(.gte, 2))]), within: .milliseconds(400))),
            ("match on a nested object", F.expectation(matcher: .object([
                Matcher.Member(key: "o", path: JSONPath(fields: ["o"]), matcher: .object([F.member("n", 1)]))]), within: .milliseconds(400))),
        ]
    }()

    /// The instants judged: every tick from the trigger until well after every window.
    static let ticks = stride(from: 0, through: 600, by: 5)

    /// When and how `e` is decided if it is judged at every tick, over the frames that have arrived by then.
    static func everyInstant(_ e: BoundExpectation, _ frames: [ObservedFrame]) -> (Int, Verdict)? {
        for ms in ticks {
            let seen = frames.filter { $0.at <= F.t(ms) }
            if let v = F.judge(e, seen, now: ms).verdict { return (ms, v) }
        }
        return nil
    }

    /// The same, judged only when a new frame can decide it or the deadline of its last `.pending` has passed.
    static func onlyWhenItCanChange(_ e: BoundExpectation, _ frames: [ObservedFrame]) -> (Int, Verdict)? {
        var until: MonotonicInstant?
        var scanned = 0
        for ms in ticks {
            let seen = frames.filter { $0.at <= F.t(ms) }
            let fresh = seen[scanned...]
            scanned = seen.count
            let due = until.map { F.t(ms) >= $0 } ?? true
            guard due || fresh.contains(where: { EventJudge.canDecide(e, trigger: F.trigger, on: $0) }) else { continue }
            switch F.judge(e, seen, now: ms) {
            case .pending(let deadline): until = deadline
            case .decided(let v, _): return (ms, v)
            }
        }
        return nil
    }

    /// The same, the way the runner's store does it: each frame offered to the expectation only when the index names
    /// it as a candidate, kept in an ``EventWatch``, judged from its hits when due. Also checks that the index never
    /// withholds a frame that can decide the expectation.
    static func throughTheIndex(_ e: BoundExpectation, _ frames: [ObservedFrame]) -> (Int, Verdict)? {
        var index = ExpectationIndex(smallLimit: 0)
        // Other expectations filed beside it, so that the discriminating field is chosen among several: `n` differs
        // more than `type` among them, so it files "match on a number" (where 1 and "1" must meet).
        let others: [(JSONValue, JSONValue)] = [("b", 2), ("other", 3), ("b", 4)]
        index.insert([(0, e)] + others.enumerated().map { i, o in
            (i + 1, F.expectation(matcher: .object([F.member("type", o.0), F.member("n", o.1)])))
        })
        var watch = EventWatch(e, trigger: F.trigger)
        var offered = 0
        // Offered as the runner offers them: indexed on a tape, not parsed (the index and the matchers read the tape).
        let indexed = frames.map { f in
            ObservedFrame(seq: f.seq, at: f.at, actor: f.actor, channel: f.channel, tape: JSONTape(Array(f.value.encoded().utf8))!,
                          text: f.text, subject: f.subject, headers: f.headers)
        }
        for ms in ticks {
            let seen = frames.filter { $0.at <= F.t(ms) }
            for f in indexed[offered..<seen.count] {
                let candidate = index.candidates(for: f).contains(0)
                #expect(candidate || !EventJudge.canDecide(e, trigger: F.trigger, on: f), "the index withheld \(f.text) on \(f.channel)")
                if candidate { watch.offer(f) }
            }
            offered = seen.count
            guard watch.isDue(at: F.t(ms)) else { continue }
            if let v = watch.judge(now: F.t(ms), disconnects: [], all: { seen }).verdict { return (ms, v) }
        }
        return nil
    }

    /// Replays 150 streams through `strategy` and requires eager judging's verdict at the same instant; returns how
    /// many of them were decided before the window ended.
    static func sameAsEager(_ kind: Int, _ strategy: (BoundExpectation, [ObservedFrame]) -> (Int, Verdict)?) -> Int {
        let (name, e) = kinds[kind]
        var decidedEarly = 0
        for seed in UInt64(1)...150 {
            let frames = stream(seed: seed)
            let full = everyInstant(e, frames)
            let other = strategy(e, frames)
            #expect(full?.0 == other?.0, "\(name), seed \(seed): decided at \(String(describing: full?.0)) ms, not \(String(describing: other?.0))")
            #expect(full?.1 == other?.1, "\(name), seed \(seed)")
            if let ms = full?.0, ms < 400 { decidedEarly += 1 }
        }
        return decidedEarly
    }

    @Test("the runner's watches judge as eagerly judging does, for every kind of expectation", arguments: kinds.indices)
    func indexedWatches(kind: Int) {
        _ = Self.sameAsEager(kind, Self.throughTheIndex)
    }

    @Test("the same verdict at the same instant, for every kind of expectation", arguments: kinds.indices)
    func sameVerdicts(kind: Int) {
        let name = Self.kinds[kind].0
        let decidedEarly = Self.sameAsEager(kind, Self.onlyWhenItCanChange)
        // Not every kind can be decided early (recipients and count wait out their window), but the streams must
        // exercise early decisions for the kinds that can.
        if ["match", "absent", "sequence"].contains(name) { #expect(decidedEarly >= 5, "\(name): \(decidedEarly)") }
    }

    @Test("frames before the trigger, on other channels or other connections, or that do not match cannot decide")
    func irrelevantFrames() {
        let e = F.expectation(actor: "buyer")
        #expect(EventJudge.canDecide(e, trigger: F.trigger, on: F.frame(0, at: 5, "buyer", ["type": "offer.accepted"])))
        #expect(!EventJudge.canDecide(e, trigger: F.trigger, on: F.frame(0, at: -5, "buyer", ["type": "offer.accepted"])))
        #expect(!EventJudge.canDecide(e, trigger: F.trigger, on: F.frame(0, at: 5, "seller[0]", ["type": "offer.accepted"])))
        #expect(!EventJudge.canDecide(e, trigger: F.trigger, on: F.frame(0, at: 5, "buyer", ["type": "offer.accepted"], channel: "orders")))
        #expect(!EventJudge.canDecide(e, trigger: F.trigger, on: F.frame(0, at: 5, "buyer", ["type": "other"])))
        let wrongRecipient = F.expectation(recipients: ["buyer"])
        #expect(EventJudge.canDecide(wrongRecipient, trigger: F.trigger, on: F.frame(0, at: 5, "seller[0]", ["type": "offer.accepted"])))
    }

    @Test("the index files an expectation under its most discriminating literal, nested objects included")
    func discriminatingLiterals() {
        var index = ExpectationIndex(smallLimit: 0)
        let nested = Matcher.object([F.member("type", "tick"),
                                     Matcher.Member(key: "order", path: JSONPath(fields: ["order"]), matcher: .object([F.member("id", "o-1")]))])
        let other = Matcher.object([F.member("type", "tick"),
                                    Matcher.Member(key: "order", path: JSONPath(fields: ["order"]), matcher: .object([F.member("id", "o-2")]))])
        index.insert([(0, F.expectation(matcher: nested)), (1, F.expectation(matcher: other))])
        // Filed under $.order.id (two values) rather than type (one): a frame meets only its own expectation.
        #expect(index.candidates(for: F.frame(0, at: 5, nil, ["type": "tick", "order": ["id": "o-1"]])) == [0])
        #expect(index.candidates(for: F.frame(1, at: 5, nil, ["type": "tick", "order": ["id": "o-2"]])) == [1])
        #expect(index.candidates(for: F.frame(2, at: 5, nil, ["type": "tick", "order": ["id": "o-3"]])).isEmpty)
        #expect(index.candidates(for: F.frame(3, at: 5, nil, ["type": "tick"], channel: "orders")).isEmpty, "another channel")
        index.remove(0)
        #expect(index.candidates(for: F.frame(4, at: 5, nil, ["type": "tick", "order": ["id": "o-1"]])).isEmpty)
        #expect(index.count == 1)
    }

    @Test("a few expectations are filed under their channel only; one past the small limit under its literal; a single one chooses its most discriminating literal")
    func smallLimit() {
        var index = ExpectationIndex(smallLimit: 2)
        let tick = { (n: Int) in Matcher.object([F.member("n", .number(Double(n))), F.member("type", "tick")]) }
        index.insert([(0, F.expectation(matcher: tick(0))), (1, F.expectation(matcher: tick(1)))])
        // Two filed: every frame of the channel meets both, whatever its fields.
        #expect(index.candidates(for: F.frame(0, at: 5, nil, ["type": "other"])).sorted() == [0, 1])
        #expect(index.candidates(for: F.frame(1, at: 5, nil, ["type": "tick"], channel: "orders")).isEmpty, "another channel")
        // A third is past the limit: filed under a literal. Nothing is filed under n or type yet, so `n: 2` and
        // `type: tick` tie at one value each, and the first literal, n, wins.
        index.insert([(2, F.expectation(matcher: tick(2)))])
        #expect(index.candidates(for: F.frame(2, at: 5, nil, ["type": "tick", "n": 2])).sorted() == [0, 1, 2])
        #expect(index.candidates(for: F.frame(3, at: 5, nil, ["type": "tick", "n": 3])).sorted() == [0, 1])
        // A fourth, alone in its batch: `type: tick` is filed already (one value), `n: 4` would make n's second.
        index.insert([(3, F.expectation(matcher: tick(4)))])
        #expect(index.candidates(for: F.frame(4, at: 5, nil, ["type": "tick", "n": 4])).sorted() == [0, 1, 3])
        #expect(index.candidates(for: F.frame(5, at: 5, nil, ["type": "tick", "n": 2])).sorted() == [0, 1, 2])
        index.remove(0)
        index.remove(2)
        #expect(index.candidates(for: F.frame(6, at: 5, nil, ["type": "tick", "n": 2])) == [1])
        #expect(index.count == 2)
    }

    @Test("subject and headers narrow what counts as the event")
    func subjectAndHeaders() {
        var e = F.expectation()
        e.subject = .regex("^orders\\.")
        e.headers = [("trace-id", .equals("t-1"))]
        var frame = F.frame(0, at: 5, nil, ["type": "offer.accepted"])
        frame.subject = "orders.accepted"
        frame.headers = ["trace-id": "t-1"]
        #expect(e.accepts(frame))
        var otherSubject = frame
        otherSubject.subject = "payments.accepted"
        #expect(!e.accepts(otherSubject))
        var otherHeader = frame
        otherHeader.headers = ["trace-id": "t-2"]
        #expect(!e.accepts(otherHeader))
        #expect(!EventJudge.canDecide(e, trigger: F.trigger, on: otherHeader))
        #expect(F.judge(e, [otherHeader, frame], now: 10).verdict?.outcome == .passed)
    }
}
