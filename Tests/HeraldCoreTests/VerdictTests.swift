import Foundation
import HeraldCore
import Testing

/// A verdict's fields live in a box its copies share, and a pass's message may be written only when it is read: neither
/// may show in what a verdict is, compares equal to, encodes to or is masked as.
@Suite struct VerdictTests {
    func verdict(message: String) -> Verdict {
        Verdict(id: "c › step 1 › match #1", contract: "c", step: "step 1", kind: .match, outcome: .passed, message: message,
                evidence: [Evidence(role: .matched, actor: "buyer", channel: "inbox", seq: 3, sinceTriggerMs: 0.4, text: "{}")],
                latencyMs: 0.4)
    }

    func deferred(_ message: @escaping @Sendable () -> String) -> Verdict {
        Verdict(id: "c › step 1 › match #1", contract: "c", step: "step 1", kind: .match, outcome: .passed,
                deferredMessage: message,
                evidence: [Evidence(role: .matched, actor: "buyer", channel: "inbox", seq: 3, sinceTriggerMs: 0.4, text: "{}")],
                latencyMs: 0.4)
    }

    @Test("a message written when it is read is the same verdict as one written at once: equal, hashed, encoded alike")
    func deferredMessage() throws {
        let eager = verdict(message: "{type: echo} arrived after 0.4 ms")
        let lazy = deferred { "{type: echo} arrived after 0.4 ms" }
        #expect(lazy.message == eager.message)
        #expect(lazy == eager && lazy.hashValue == eager.hashValue)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(lazy) == encoder.encode(eager))
        let decoded = try JSONDecoder().decode(Verdict.self, from: encoder.encode(lazy))
        #expect(decoded == eager)
        var changed = lazy
        changed.message = "rewritten"
        #expect(changed.message == "rewritten" && lazy.message == eager.message, "setting it replaces the writer, in that copy only")
    }

    @Test("changing a copy leaves the verdict it was copied from as it was")
    func copiesAreValues() {
        let original = verdict(message: "m")
        var copy = original
        copy.outcome = .failed
        copy.reason = .late
        copy.evidence = []
        #expect(original.outcome == .passed && original.reason == nil && original.evidence.count == 1)
        #expect(copy.outcome == .failed && copy.reason == .late && copy.evidence.isEmpty)
        #expect(copy != original)
    }

    @Test("masking writes a deferred message with the secrets known, and leaves it unwritten when none is")
    func masking() {
        let lazy = deferred { "{token: sk-live-99} arrived after 0.4 ms" }
        #expect(Redactor().mask(lazy).message == "{token: sk-live-99} arrived after 0.4 ms")
        #expect(Redactor(secrets: ["sk-live-99"]).mask(lazy).message == "{token: •••} arrived after 0.4 ms")
    }
}
