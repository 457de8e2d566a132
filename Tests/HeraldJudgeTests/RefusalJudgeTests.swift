import HeraldContract
import HeraldCore
import HeraldJudge
import Testing

/// `ConnectionJudge.refusal`: a connection that must be refused, judged from what the server answered.
@Suite("judge: connections that must be refused")
struct RefusalJudgeTests {
    static let at = SourceLocation(file: "c.yaml", line: 9, column: 15)
    static let statuses = Refusal(.status([401, 403]), at: at)
    static let broker = Refusal(.notAuthorised, at: at)

    static func judge(_ expected: Refusal, _ answered: ConnectionRefusal?) -> Verdict {
        ConnectionJudge.refusal(expected, answered: answered, detail: "what the server said", channel: "forged", actor: "buyer",
                                contract: "c")
    }

    @Test("an allowed status or refused credentials pass, with the answer as evidence")
    func passes() {
        let v = Self.judge(Self.statuses, .status(403))
        #expect(v.outcome == .passed && v.id == "c › channel forged buyer › refused" && v.kind == .connection)
        #expect(v.message == "the connection of buyer on 'forged' was refused (HTTP 403)")
        #expect(v.evidence == [Evidence(role: .observed, actor: "buyer", channel: "forged", text: "what the server said")])
        #expect(v.location == Self.at)
        #expect(Self.judge(Self.broker, .notAuthorised).outcome == .passed)
    }

    @Test("an accepted connection fails unexpected; another answer fails mismatch")
    func fails() {
        let accepted = Self.judge(Self.statuses, nil)
        #expect(accepted.outcome == .failed && accepted.reason == .unexpected)
        #expect(accepted.message == "the connection of buyer on 'forged' was accepted; it must be refused (HTTP 401 or 403)")
        #expect(accepted.evidence.first?.role == .unexpected)
        let other = Self.judge(Self.statuses, .status(404))
        #expect(other.outcome == .failed && other.reason == .mismatch)
        #expect(other.message == "the connection of buyer on 'forged' was refused with HTTP 404, not HTTP 401 or 403")
        #expect(Self.judge(Self.broker, .status(401)).reason == .mismatch)
        #expect(Self.judge(Self.statuses, .notAuthorised).reason == .mismatch)
    }
}
