import HeraldCore
import Testing

/// What the runner does with connections: frames pushed on connect, the `ready:` barrier, and a drop mid-wait.
@Suite("runner: connections")
struct ConnectionTests {
    static let greeted = contract(steps: """
          - name: the inbox greets the buyer as it connects
            events:
              - channel: inbox
                as: buyer
                from: connect
                match: { type: welcome }
              - channel: inbox
                as: buyer
                match: { type: welcome }
        """)

    @Test("from: connect sees a frame pushed on connect, which a window from the trigger does not")
    func welcomeOnConnect() async throws {
        let result = try await run(Self.greeted, on: FakeServer(greeting: [.text(#"{"type":"welcome"}"#)]))
        let fromConnect = try result.verdict("step 1 › match #1")
        #expect(fromConnect.outcome == .passed, "\(fromConnect.message)")
        #expect(fromConnect.evidence.first?.actor == "buyer")
        let fromTrigger = try result.verdict("step 1 › match #2")
        #expect(fromTrigger.outcome == .failed && fromTrigger.reason == .missing,
                "the welcome came before the step: \(fromTrigger.message)")
        #expect(result.ranClean)
    }

    @Test("from: connect fails missing, as an assertion, when the welcome never comes")
    func noWelcome() async throws {
        let result = try await run(Self.greeted, on: FakeServer(greeting: [.text(#"{"type":"news"}"#)]))
        let v = try result.verdict("step 1 › match #1")
        #expect(v.outcome == .failed && v.reason == .missing, "\(v.message)")
        #expect(v.evidence.first { $0.role == .nearest }?.text == #"{"type":"news"}"#)
        #expect(result.ranClean, "a missing welcome is not an infrastructure error")
    }

    static let subscribed = contract(ready: true, steps: """
          - send: inbox
            as: seller[1]
            json: { action: ping }
            events:
              - channel: inbox
                as: seller[1]
                match: { type: pong }
        """)

    @Test("ready: each link gets its on_open message and confirms before any step runs")
    func readyConfirmed() async throws {
        let server = FakeServer(replies: ["ping": [.back(#"{"type":"pong"}"#)]])
        let result = try await run(Self.subscribed, on: server)
        #expect(result.ranClean, "\(result.infrastructureError ?? "")")
        #expect(try result.verdict("step 1 › match #1").outcome == .passed)
        #expect(server.links.count == 3)
        for link in server.links { #expect(link.sent.first == #"{"action":"subscribe"}"#, "\(link.actor ?? "shared")") }
        // Every confirmation is on the timeline before the first step.
        let firstStep = try #require(result.timeline.firstIndex { if case .step = $0.event { true } else { false } })
        let confirmations = result.timeline.indices.filter { result.timeline[$0].frame?.text == #"{"type":"subscribed"}"# }
        #expect(confirmations.count == 3 && confirmations.allSatisfy { $0 < firstStep })
    }

    @Test("a ready: confirmation that never comes is an infrastructure error naming the channel, and no step runs")
    func readyNeverComes() async throws {
        let server = FakeServer(confirms: false, replies: ["ping": [.back(#"{"type":"pong"}"#)]])
        let result = try await run(Self.subscribed, on: server)
        let error = try #require(result.infrastructureError)
        #expect(error.contains("channel 'inbox'") && error.contains("no confirmation"), "\(error)")
        #expect(result.verdicts.isEmpty, "\(result.verdicts.map(\.id))")
        #expect(server.link("inbox", "seller[1]")?.sent == [#"{"action":"subscribe"}"#])
    }

    static let cut = contract(steps: """
          - send: inbox
            as: buyer
            json: { action: cut }
            events:
              - channel: inbox
                as: buyer
                match: { type: never }
                within: 60s
          - send: inbox
            as: buyer
            json: { action: after }
        """)

    @Test("a link that drops during a wait fails it with connection-dropped and stops the contract")
    func droppedMidWait() async throws {
        let server = FakeServer(replies: ["cut": [Reply(to: nil, push: .drop("fake network cut"))]])
        let result = try await run(Self.cut, on: server)
        let waiting = try result.verdict("step 1 › match #1")
        #expect(waiting.outcome == .failed && waiting.reason == .connectionDropped, "\(waiting.message)")
        #expect(waiting.evidence.contains { $0.role == .disconnect && $0.text == "fake network cut" })
        let connection = try #require(result.verdicts.first { $0.kind == .connection })
        #expect(connection.outcome == .failed && connection.reason == .connectionDropped)
        #expect(connection.evidence.first?.actor == "buyer" && connection.evidence.first?.channel == "inbox")
        let error = try #require(result.infrastructureError)
        #expect(error.contains("channel 'inbox'") && error.contains("fake network cut"), "\(error)")
        #expect(server.link("inbox", "buyer")?.sent == [#"{"action":"cut"}"#], "step 2 must not run after the drop")
        // The drop decides the 60 s wait at once: the run ends far inside the window (it takes tens of milliseconds
        // alone, a few seconds when other tests hold the cooperative pool; the bound leaves 10× that).
        #expect(result.duration < .seconds(30), "\(result.duration)")
    }
}
