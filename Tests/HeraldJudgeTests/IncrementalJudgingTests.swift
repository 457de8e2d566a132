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
            return F.frame(seq, at: at, actors[rng.next(actors.count)], ["type": types[rng.next(types.count)]], channel: channel)
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

    @Test("the same verdict at the same instant, for every kind of expectation", arguments: kinds.indices)
    func sameVerdicts(kind: Int) {
        let (name, e) = Self.kinds[kind]
        var decidedEarly = 0
        for seed in UInt64(1)...150 {
            let frames = Self.stream(seed: seed)
            let full = Self.everyInstant(e, frames)
            let lazy = Self.onlyWhenItCanChange(e, frames)
            #expect(full?.0 == lazy?.0, "\(name), seed \(seed): decided at \(String(describing: full?.0)) ms, not \(String(describing: lazy?.0))")
            #expect(full?.1 == lazy?.1, "\(name), seed \(seed)")
            if let ms = full?.0, ms < 400 { decidedEarly += 1 }
        }
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
