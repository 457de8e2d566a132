import HeraldContract
import HeraldCore
import HeraldJudge
import Testing

private typealias F = Fixture

/// A scope in which no variable has a value.
private struct NoValues: VariableScope {
    func value(for reference: VariableReference) -> JSONValue? { nil }
}

@Suite("shell, capture, connection and step judges")
struct StepJudgeTests {
    let here = SourceLocation(file: "c.yaml", line: 20, column: 7)
    let redactor = Redactor(secrets: ["s3cret"])

    func shell(_ status: Int32?, _ output: String) -> Verdict {
        ShellJudge.judge(status: status, output: output, timeout: .milliseconds(500), contract: "c", step: "step 3: shell",
                         idPrefix: "c › step 3", location: here)
    }

    @Test("a command that exits 0 passes, with no evidence")
    func shellPasses() {
        let v = shell(0, "all good")
        #expect(v == Verdict(id: "c › step 3 › command", contract: "c", step: "step 3: shell", kind: .command,
                             outcome: .passed, message: "exited 0", location: here))
    }

    @Test("another exit status is a mismatch, with the end of the output, masked where it is shown")
    func shellExitStatus() {
        let v = shell(3, String(repeating: "a", count: 500) + "s3cret" + String(repeating: "b", count: 1994))
        #expect(v.outcome == .failed && v.reason == .mismatch && v.message == "exited 3" && v.id == "c › step 3 › command")
        #expect(v.evidence == [Evidence(role: .observed, text: "s3cret" + String(repeating: "b", count: 1994))],
                "the last 2,000 characters")
        #expect(redactor.mask(v).evidence == [Evidence(role: .observed, text: "•••" + String(repeating: "b", count: 1994))])
    }

    @Test("a secret cut in two by the output's tail is masked too, and a short coincidence is not")
    func shellTailCutsSecret() {
        let long = Redactor(secrets: ["s3cret-value-42"])
        let v = shell(1, "s3cret-value-42" + String(repeating: "b", count: 1995))
        #expect(v.evidence.first?.text?.hasPrefix("ue-42b") == true, "the cut falls inside the secret")
        #expect(long.mask(v).evidence.first?.text == "•••" + String(repeating: "b", count: 1995))
        let short = shell(1, "-42xyz" + String(repeating: "b", count: 1994))
        #expect(long.mask(short).evidence.first?.text == short.evidence.first?.text, "3 characters are no evidence of a secret")
    }

    @Test("a command killed at its deadline timed out")
    func shellTimeout() {
        let v = shell(nil, "partial")
        #expect(v.outcome == .failed && v.reason == .timeout && v.message == "timed out after 500ms")
        #expect(v.evidence == [Evidence(role: .observed, text: "partial")])
    }

    @Test("a capture that finds nothing fails the body as missing, with the body, masked where it is shown")
    func missingCapture() {
        let response = ObservedResponse(status: 201, headers: [], body: ["token": "an-unknown-value"], seq: 9)
        let v = ResponseJudge.missingCapture("order_id", at: here, response: response, contract: "c", step: "step 1: POST /orders",
                                             idPrefix: "c › step 1")
        #expect(v == Verdict(id: "c › step 1 › capture order_id", contract: "c", step: "step 1: POST /orders", kind: .body,
                             outcome: .failed, reason: .missing, message: "capture order_id: nothing found in the response",
                             location: here, evidence: [Evidence(role: .observed, seq: 9, text: "{\"token\":\"an-unknown-value\"}")]))
        #expect(redactor.mask(v).evidence.first?.text == "{\"token\":\"•••\"}", "a secret-looking field, though its value is unknown")
    }

    @Test("each dropped connection fails, with its time since the origin; the first is the infrastructure error")
    func drops() {
        let origin = F.t(-250)
        let drops = [ObservedDisconnect(channel: "inbox", actor: "buyer", at: F.t(1250), detail: "close 1006"),
                     ObservedDisconnect(channel: "feed", actor: nil, at: F.t(0), detail: "eof")]
        let locations = ["inbox": here]
        let v = ConnectionJudge.judge(drops, origin: origin, contract: "c", location: { locations[$0] })
        #expect(v == [
            Verdict(id: "c › channel inbox buyer › connection #1", contract: "c", step: "channel inbox", kind: .connection,
                    outcome: .failed, reason: .connectionDropped,
                    message: "the connection of buyer on 'inbox' dropped at +1.5s (close 1006)", location: here,
                    evidence: [Evidence(role: .disconnect, actor: "buyer", channel: "inbox", text: "close 1006")]),
            Verdict(id: "c › channel feed › connection #2", contract: "c", step: "channel feed", kind: .connection,
                    outcome: .failed, reason: .connectionDropped,
                    message: "the connection on 'feed' dropped at +250ms (eof)", location: nil,
                    evidence: [Evidence(role: .disconnect, channel: "feed", text: "eof")]),
        ])
        #expect(ConnectionJudge.infrastructureError(drops, origin: origin)
                == "the connection of buyer on channel 'inbox' dropped at +1.5s (close 1006)")
        #expect(ConnectionJudge.infrastructureError(Array(drops.dropFirst()), origin: origin)
                == "the connection on channel 'feed' dropped at +250ms (eof)")
        #expect(ConnectionJudge.infrastructureError([], origin: origin) == nil)
        #expect(ConnectionJudge.judge([], origin: origin, contract: "c", location: { _ in nil }).isEmpty)
    }

    @Test("a step with an unresolved variable cannot run: failed at the reference, or skipped in cleanup")
    func unresolved() throws {
        let reference = SourceLocation(file: "c.yaml", line: 30, column: 14)
        let error = try #require(throws: TemplateError.self) {
            try Template("/orders/${order_id}", location: reference).renderString(in: NoValues())
        }
        let failed = StepJudge.cannotRun("DELETE /orders/${order_id}", error, contract: "c", step: "step 4: DELETE",
                                         idPrefix: "c › step 4", location: here)
        #expect(failed == Verdict(id: "c › step 4 › step", contract: "c", step: "step 4: DELETE", kind: .step, outcome: .failed,
                                  reason: .unresolved, message: "cannot run DELETE /orders/${order_id}: no value for ${order_id}",
                                  location: reference))
        let unplaced = try #require(throws: TemplateError.self) { try Template("${x}").renderString(in: NoValues()) }
        #expect(StepJudge.cannotRun("s", unplaced, contract: "c", step: "s", idPrefix: "p", location: here).location == here)
        let skipped = StepJudge.skipped("DELETE /orders/${order_id}", error, contract: "c", step: "cleanup 1: DELETE",
                                        idPrefix: "c › cleanup 1", location: here)
        #expect(Redactor(secrets: ["order_id"]).mask(skipped) == Verdict(id: "c › cleanup 1 › step", contract: "c", step: "cleanup 1: DELETE", kind: .step,
                                   outcome: .notRun, reason: .unresolved,
                                   message: "skipped DELETE /orders/${•••}: no value for ${•••}", location: here))
    }

    @Test("the cache expectations of a step that did not complete are not run")
    func cacheNotChecked() {
        let e = BoundCacheExpectation(id: "c › step 1 › cache #1", contract: "c", step: "step 1", location: here, knownGap: "MKT-9",
                                      what: "redis key order:1", condition: .absent, within: .seconds(1))
        #expect(CacheJudge.notChecked(e) == Verdict(
            id: "c › step 1 › cache #1", contract: "c", step: "step 1", kind: .cache, outcome: .notRun, reason: .interrupted,
            message: "redis key order:1 was not checked: the step did not complete", location: here, knownGap: "MKT-9"))
    }
}
