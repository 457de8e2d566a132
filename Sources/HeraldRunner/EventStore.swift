import HeraldContract
import HeraldCore
import HeraldJudge
import Synchronization

/// The frames and unexpected disconnects of a contract's channels, appended once by the reader tasks, and the event
/// expectations waiting on them.
///
/// A frame is recorded once, on the timeline; the store keeps its position there, in the order the frames were
/// offered, and reads a frame back from the timeline only when a wait filed late, a failure or the final judging needs
/// the frames since some point.
///
/// A frame is offered only to the pending expectations the ``ExpectationIndex`` names for it; one that can decide an
/// expectation wakes the task waiting on it. A waiting task is woken by such a frame, by a dropped connection, or by
/// the earliest deadline of its expectations, and never looks again on a timer.
final class EventStore: Sendable {
    /// A pending expectation's watch and the wakeup of the wait it belongs to. A reference, so that offering a frame
    /// updates the watch where it is, rather than copying it out of the dictionary and back; touched only under the
    /// store's lock.
    private final class Slot {
        var watch: EventWatch
        let wakeup: Wakeup
        init(_ watch: EventWatch, _ wakeup: Wakeup) {
            self.watch = watch
            self.wakeup = wakeup
        }
    }

    private struct State {
        /// The timeline positions of the frames, in the order they were offered.
        var frameSeqs: [Int] = []
        var disconnects: [ObservedDisconnect] = []
        var slots: [Int: Slot] = [:]
        var index = ExpectationIndex()
        /// The candidates of the frame being appended (one buffer for every frame).
        var candidates: [Int] = []
        var nextID = 0
        /// The latest frames as they were offered, indexed, the frame at position p at `p % recentCapacity`: a
        /// step's waits, filed just after its trigger, find the frames that came meanwhile here, rather than read
        /// back from the timeline and indexed again.
        var recent: [ObservedFrame] = []

        /// The frame at `position` when it is among the latest ones.
        func recentFrame(at position: Int) -> ObservedFrame? {
            position >= frameSeqs.count - recent.count ? recent[position % EventStore.recentCapacity] : nil
        }
    }

    /// How many of the latest frames the store keeps as they were offered.
    private static let recentCapacity = 16

    private let state = Mutex(State())
    /// Where the frames are recorded.
    private let timeline: TimelineRecorder

    /// A store of the frames recorded on `timeline`.
    init(timeline: TimelineRecorder) { self.timeline = timeline }

    /// The position the next frame will take: frames that arrive from now on are at or after it.
    var position: Int { state.withLock { $0.frameSeqs.count } }

    /// Takes a frame already recorded on the timeline (at `frame.seq`) and offers it, indexed, to the expectations
    /// that it may decide.
    func append(_ frame: ObservedFrame) {
        let wake = state.withLock { s -> [Wakeup] in
            if s.recent.count < Self.recentCapacity {
                s.recent.append(frame)
            } else {
                s.recent[s.frameSeqs.count % Self.recentCapacity] = frame
            }
            s.frameSeqs.append(frame.seq)
            var wake: [Wakeup] = []
            s.index.candidates(for: frame, into: &s.candidates)
            for id in s.candidates {
                guard let slot = s.slots[id], slot.watch.offer(frame) else { continue }
                if !wake.contains(where: { $0 === slot.wakeup }) { wake.append(slot.wakeup) }
            }
            return wake
        }
        for w in wake { w.signal() }
    }

    /// Appends an unexpected disconnect: every waiting expectation is judged again.
    func append(_ disconnect: ObservedDisconnect) {
        let wake = state.withLock { s in
            s.disconnects.append(disconnect)
            var wake: [Wakeup] = []
            for slot in s.slots.values {
                slot.watch.changed = true
                if !wake.contains(where: { $0 === slot.wakeup }) { wake.append(slot.wakeup) }
            }
            return wake
        }
        for w in wake { w.signal() }
    }

    /// Every unexpected disconnect so far.
    var disconnects: [ObservedDisconnect] { state.withLock { $0.disconnects } }
    /// Every frame and every disconnect, at one instant. The frames are read back from the timeline.
    var snapshot: (frames: [ObservedFrame], disconnects: [ObservedDisconnect]) {
        let (seqs, drops) = state.withLock { ($0.frameSeqs, $0.disconnects) }
        return (frames(at: seqs[...]), drops)
    }

    /// The frames from `position` on, read back from the timeline.
    func frames(from position: Int) -> [ObservedFrame] {
        let seqs = state.withLock { s in position < s.frameSeqs.count ? Array(s.frameSeqs[max(position, 0)...]) : [] }
        return frames(at: seqs[...])
    }

    /// The frames recorded at `seqs`, as they were offered (their payloads as text).
    private func frames(at seqs: ArraySlice<Int>) -> [ObservedFrame] {
        timeline.entries(at: seqs).compactMap(ObservedFrame.init)
    }

    /// One expectation to wait for: its window opens at `trigger`, and the frames that can decide it are at or after
    /// `position` (the store's position at that instant).
    struct Wait: Sendable {
        var expectation: BoundExpectation
        var trigger: MonotonicInstant
        var position: Int
    }

    /// Waits until every expectation is decided, and returns their judgements in order. Throws `CancellationError`
    /// when the task is cancelled first. Runs on the caller's executor (`isolation`, the contract's actor), with no hop
    /// off it.
    ///
    /// The frames already stored are offered first to watches that are not filed (a step's frame has usually come
    /// by the time its waits are made), and the watches judged: when that decides them all, nothing is filed, indexed
    /// or woken. Only the undecided ones are filed, offered what came meanwhile, and waited on.
    func decide(_ waits: [Wait], isolation: isolated (any Actor)? = #isolation) async throws -> [Judgement] {
        try Task.checkCancellation()
        guard var early = prepare(waits) else { return try await decideFiled(waits, isolation: isolation) }
        let now = MonotonicInstant.now()
        var decided: [Judgement?] = Array(repeating: nil, count: waits.count)
        for i in waits.indices {
            let start = waits[i].position
            let j = early.watches[i].judge(now: now, disconnects: early.disconnects) { self.frames(from: start) }
            if case .pending = j { continue }
            decided[i] = j
        }
        if !decided.contains(where: { $0 == nil }) { return decided.map { $0! } }
        return try await decideFiled(waits, isolation: isolation, early: (early, decided))
    }

    /// Watches for `waits`, not filed, offered the stored frames since their positions, with the store's size and
    /// drops at that instant; `nil` when more frames are stored since then than the latest ones the store keeps (a
    /// burst under way: those are offered through the index, in ``register(_:wakeup:early:)``).
    private func prepare(_ waits: [Wait]) -> Early? {
        state.withLock { s in
            let count = s.frameSeqs.count
            let from = max(0, waits.map(\.position).min() ?? count)
            guard count - from <= s.recent.count else { return nil }
            var watches = waits.map { EventWatch($0.expectation, trigger: $0.trigger) }
            for position in from..<count {
                let frame = s.recentFrame(at: position)!
                for i in waits.indices where position >= waits[i].position { watches[i].offer(frame) }
            }
            return Early(watches: watches, seen: count, disconnects: s.disconnects)
        }
    }

    /// What ``prepare(_:)`` found.
    private struct Early {
        var watches: [EventWatch]
        /// The number of frames stored when they were offered.
        var seen: Int
        var disconnects: [ObservedDisconnect]
    }

    /// Files the undecided waits (with what ``prepare(_:)`` offered and judged them, when it did) and waits until
    /// every one is decided.
    private func decideFiled(_ waits: [Wait], isolation: isolated (any Actor)?,
                             early: (Early, [Judgement?])? = nil) async throws -> [Judgement] {
        let wakeup = Wakeup()
        var decided = early?.1 ?? Array(repeating: nil, count: waits.count)
        let ids = register(waits, wakeup: wakeup, early: early.map { e in (e.0, decided.map { $0 != nil }) })
        defer { unregister(ids) }
        while true {
            try Task.checkCancellation()
            let now = MonotonicInstant.now()
            let (due, disconnects) = takeDue(ids, decided: decided, now: now)
            for (i, var watch) in due {
                let start = waits[i].position
                let j = watch.judge(now: now, disconnects: disconnects) { self.frames(from: start) }
                if case .pending(let until) = j { setUntil(ids[i], until) } else { decided[i] = j }
            }
            if !decided.contains(where: { $0 == nil }) { return decided.map { $0! } }
            await wakeup.wait(until: earliestDeadline(ids, decided: decided), isolation: isolation)
        }
    }

    /// Files the waits (but those `early` decided: their ids are -1), offers them the frames that arrived since their
    /// positions (since `early` offered them, for its watches), and returns their ids.
    ///
    /// A burst may be well under way when a step's waits are filed: the frames already stored are offered as new ones
    /// are, each indexed once and given only to its candidates among these waits.
    private func register(_ waits: [Wait], wakeup: Wakeup, early: (Early, [Bool])? = nil) -> [Int] {
        state.withLock { s in
            let first = s.nextID
            let ids = waits.indices.map { i in early?.1[i] == true ? -1 : first + i }
            s.nextID += waits.count
            var filed: [(Int, BoundExpectation)] = []
            for (i, (id, w)) in zip(ids, waits).enumerated() where id >= 0 {
                var watch = early?.0.watches[i] ?? EventWatch(w.expectation, trigger: w.trigger)
                // A connection dropped since the early judgement: judge it again.
                if let e = early?.0, s.disconnects.count != e.disconnects.count { watch.changed = true }
                s.slots[id] = Slot(watch, wakeup)
                filed.append((id, w.expectation))
            }
            s.index.insert(filed)
            let from = early?.0.seen ?? max(0, waits.map(\.position).min() ?? s.frameSeqs.count)
            guard from < s.frameSeqs.count else { return ids }
            let cached = max(from, s.frameSeqs.count - s.recent.count)
            let older = cached > from ? frames(at: s.frameSeqs[from..<cached]).map { $0.indexed() } : []
            for position in from..<s.frameSeqs.count {
                let frame = position < cached ? older[position - from] : s.recentFrame(at: position)!
                s.index.candidates(for: frame, into: &s.candidates)
                for id in s.candidates {
                    // Only these waits (ids from `first` on), each from its own position.
                    guard id >= first, position >= waits[id - first].position else { continue }
                    s.slots[id]!.watch.offer(frame)
                }
            }
            return ids
        }
    }

    private func unregister(_ ids: [Int]) {
        state.withLock { s in
            for id in ids where id >= 0 {
                s.slots[id] = nil
                s.index.remove(id)
            }
        }
    }

    /// Copies of the undecided watches that must be judged at `now` (marked as judged), by position in `ids`.
    private func takeDue(_ ids: [Int], decided: [Judgement?], now: MonotonicInstant)
        -> (due: [(Int, EventWatch)], disconnects: [ObservedDisconnect]) {
        state.withLock { s in
            var due: [(Int, EventWatch)] = []
            for (i, id) in ids.enumerated() where decided[i] == nil {
                guard let slot = s.slots[id], slot.watch.isDue(at: now) else { continue }
                due.append((i, slot.watch))
                slot.watch.changed = false
            }
            return (due, s.disconnects)
        }
    }

    /// The earliest deadline among the undecided watches.
    private func earliestDeadline(_ ids: [Int], decided: [Judgement?]) -> MonotonicInstant? {
        state.withLock { s in
            ids.indices.filter { decided[$0] == nil }.compactMap { s.slots[ids[$0]]?.watch.until }.min()
        }
    }

    private func setUntil(_ id: Int, _ until: MonotonicInstant) {
        state.withLock { $0.slots[id]?.watch.until = until }
    }
}
