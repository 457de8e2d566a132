import HeraldContract
import HeraldCore

/// A pending event expectation as a waiting runner holds it: the frames that can decide it (`EventJudge.canDecide`),
/// gathered as they arrive, and the deadline its last judgement named.
///
/// Judging a watch reads only its own hits when the expectation passes or stays pending, so its cost does not grow
/// with the stream; a failure (once per expectation) is judged over every frame since the trigger, for its evidence.
/// ``EventJudge/judge(_:trigger:hits:all:disconnects:now:final:)`` says why both give eager judging's verdicts.
public struct EventWatch: Sendable {
    /// The expectation.
    public let expectation: BoundExpectation
    /// The instant its window opens.
    public let trigger: MonotonicInstant
    /// The frames that can decide it, in arrival order.
    public private(set) var hits: [ObservedFrame] = []
    /// When its last judgement said it stays pending until; `nil` before it was first judged.
    public var until: MonotonicInstant?
    /// Whether something that can change its judgement happened since it was last judged: a frame that can decide
    /// it arrived, or (set by the holder) a connection dropped.
    public var changed = true

    /// Creates a watch whose window opens at `trigger`.
    public init(_ expectation: BoundExpectation, trigger: MonotonicInstant) {
        self.expectation = expectation
        self.trigger = trigger
    }

    /// How many hits are kept indexed.
    static let indexedHits = 8

    /// Offers a frame; returns whether it can decide the expectation (and is kept).
    @discardableResult
    public mutating func offer(_ frame: ObservedFrame) -> Bool {
        guard EventJudge.canDecide(expectation, trigger: trigger, on: frame) else { return false }
        // The first hits stay indexed, so that judging them (a match reads its first hit) reads their tapes instead
        // of parsing their texts; later ones (a count over a long burst) are kept as text only.
        hits.append(hits.count < Self.indexedHits ? frame : frame.compacted())
        changed = true
        return true
    }

    /// Whether it must be judged at `now`: a frame that can decide it came, or its deadline passed.
    public func isDue(at now: MonotonicInstant) -> Bool { changed || until.map { now >= $0 } ?? true }

    /// Judges it at `now`. `all` gives every frame received since the trigger (and possibly some before it), read
    /// only when the judgement needs them.
    public mutating func judge(now: MonotonicInstant, disconnects: [ObservedDisconnect], final: Bool = false,
                               all: () -> [ObservedFrame]) -> Judgement {
        changed = false
        let j = EventJudge.judge(expectation, trigger: trigger, hits: hits, all: all, disconnects: disconnects, now: now, final: final)
        if case .pending(let deadline) = j { until = deadline }
        return j
    }
}

extension EventJudge {
    /// Judges `expectation` from its hits (the frames for which ``canDecide(_:trigger:on:)`` holds, in arrival order),
    /// reading `all` only for a failure or a strict sequence. It gives what ``judge(_:trigger:frames:disconnects:now:final:)``
    /// gives over every frame:
    /// - whether an expectation is pending, and whether it passes, depends on its hits alone (the first hit of a
    ///   `match`; the matching frames of `recipients`, `count` and `absent`; the items of a sequence, which a greedy
    ///   subsequence finds among them) and on the time and the drops;
    /// - a failure is judged again over every frame, as before, for its evidence (the nearest frame that almost
    ///   matched) — once per expectation;
    /// - a strict sequence is broken by any frame between its items, so it is judged over every frame.
    public static func judge(_ expectation: BoundExpectation, trigger: MonotonicInstant, hits: [ObservedFrame],
                             all: () -> [ObservedFrame], disconnects: [ObservedDisconnect] = [], now: MonotonicInstant,
                             final: Bool) -> Judgement {
        if case .sequence(_, strict: true) = expectation.kind {
            return judge(expectation, trigger: trigger, frames: all(), disconnects: disconnects, now: now, final: final)
        }
        let j = judge(expectation, trigger: trigger, frames: hits, hitsOnly: true, disconnects: disconnects, now: now, final: final)
        if case .decided(let v, _) = j, v.outcome != .passed {
            return judge(expectation, trigger: trigger, frames: all(), disconnects: disconnects, now: now, final: final)
        }
        return j
    }
}
