import HeraldContract
import HeraldCore
import HeraldJudge
@testable import HeraldRunner
import Testing

/// How a step's waits meet their frames: those already stored are offered before anything is filed (the common case,
/// a frame pushed right after its trigger's answer), later ones through the index, and a burst longer than the store
/// keeps at hand is read back from the timeline. Each way gives the same judgement.
@Suite struct EventStoreTests {
    let timeline = TimelineRecorder()

    func expectation(_ id: Int, within: Duration = .seconds(2)) -> BoundExpectation {
        let matcher = Matcher.object([
            .init(key: "type", path: JSONPath(fields: ["type"]), matcher: .equals(.string("echo"))),
            .init(key: "id", path: JSONPath(fields: ["id"]), matcher: .equals(.number(Double(id)))),
        ])
        return BoundExpectation(id: "match #\(id)", contract: "c", step: "s", location: nil, knownGap: nil, channel: "pushes",
                                kind: .match, matcher: matcher, actor: nil, recipients: nil, subscribers: [], within: within)
    }

    /// Records a frame `{"type":"echo","id":id}` on the timeline and offers it to the store.
    func push(_ id: Int, to store: EventStore) {
        let text = #"{"type":"echo","id":\#(id)}"#
        let at = MonotonicInstant.now()
        let seq = timeline.record(.frame(FrameRecord(text: text, isJSON: true)), channel: "pushes", at: at)
        store.append(ObservedFrame(seq: seq, at: at, actor: nil, channel: "pushes", tape: JSONTape(Array(text.utf8))!, text: text))
    }

    @Test("a frame stored before the wait decides it at once")
    func frameBeforeTheWait() async throws {
        let store = EventStore(timeline: timeline)
        let trigger = MonotonicInstant.now()
        let position = store.position
        push(1, to: store)
        let j = try await store.decide([.init(expectation: expectation(1), trigger: trigger, position: position)])
        #expect(j.first?.verdict?.outcome == .passed)
        #expect(j.first?.verdict?.message.hasPrefix("{type: echo, id: 1} arrived after") == true)
    }

    @Test("a frame that comes after the wait was filed wakes it")
    func frameAfterTheWait() async throws {
        let store = EventStore(timeline: timeline)
        let trigger = MonotonicInstant.now()
        let position = store.position
        push(7, to: store)  // stored first, but not the one awaited
        // A long window: the parallel tests may hold the pool up long before the frame is pushed.
        let waiting = Task { try await store.decide([.init(expectation: expectation(1, within: .seconds(60)), trigger: trigger, position: position),
                                                     .init(expectation: expectation(7), trigger: trigger, position: position)]) }
        try await Task.sleep(for: .milliseconds(20))
        push(1, to: store)
        let j = try await waiting.value
        #expect(j.map { $0.verdict?.outcome } == [.passed, .passed])
    }

    @Test("a burst longer than the store keeps at hand is offered through the timeline, and only from the wait's position")
    func burstBeforeTheWait() async throws {
        let store = EventStore(timeline: timeline)
        push(3, to: store)  // before the trigger's position: not a candidate
        let trigger = MonotonicInstant.now()
        let position = store.position
        for id in 10..<60 { push(id, to: store) }
        let j = try await store.decide([.init(expectation: expectation(12), trigger: trigger, position: position),
                                        .init(expectation: expectation(59), trigger: trigger, position: position),
                                        .init(expectation: expectation(3, within: .milliseconds(50)), trigger: trigger,
                                              position: position)])
        #expect(j.map { $0.verdict?.outcome } == [.passed, .passed, .failed])
        #expect(j.last?.verdict?.reason == .missing)
    }

    @Test("a wait none of whose frames comes is decided by its deadline")
    func deadline() async throws {
        let store = EventStore(timeline: timeline)
        let j = try await store.decide([.init(expectation: expectation(1, within: .milliseconds(30)), trigger: .now(),
                                              position: store.position)])
        #expect(j.first?.verdict?.outcome == .failed && j.first?.verdict?.reason == .missing)
    }
}
