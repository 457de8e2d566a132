import HeraldCore

/// `PUT /api/tests/{testId}`: which test case to prepare, with what.
struct PreparationDto: Decodable, Sendable {
    /// The test case: a contract's `contract:` name, or its file's name without `.yaml`.
    var testCase: String
    /// Values bound for the test (`${name}` in the contract).
    var data: [String: JSONValue]?
    /// Where the agent posts its notifications for this test.
    var callbackBaseUrl: String?
}

/// What `prepare` did.
struct PreparationResultDto: Encodable, Sendable {
    var testId: String
    var testCase: String
    /// `PREPARED`, or `FAILED` when the setup or a channel failed (the test stays, to be verified and cleaned up).
    var status: String
    /// The contract's `outputs:`, for the orchestrator.
    var data: [String: JSONValue]
    /// The verdicts of the preparation's steps.
    var results: [ResultDto]
    var message: String?
}

/// `PUT /api/tests/{testId}/dynamicdata`: values learnt elsewhere.
struct DynamicDataDto: Decodable, Sendable {
    var data: [String: JSONValue]
}

/// `POST /api/tests/{testId}/actions`: the action to perform.
struct ActionDto: Decodable, Sendable {
    /// An `action:` name of the test case's steps.
    var action: String
    /// Values bound before the action runs.
    var data: [String: JSONValue]?
}

/// What `act` did, once its last step performed its action.
struct ActionResultDto: Encodable, Sendable {
    var testId: String
    var action: String
    /// `DONE`, or `FAILED` when a step failed or the action could not run to its end.
    var status: String
    /// The contract's `outputs:` known now.
    var data: [String: JSONValue]
    /// The verdicts decided so far.
    var results: [ResultDto]
    /// Event expectations of the action still waiting; a notification to the callback URL follows once none is.
    var pending: Int
    var message: String?
}

/// `GET /api/tests/{testId}/report`: one result per assertion.
struct ReportDto: Encodable, Sendable {
    var testId: String
    var testCase: String
    /// `PASS` when every result passed (known gaps included), else `FAIL`.
    var status: String
    var results: [ResultDto]
    var message: String?
}

/// One assertion's verdict.
struct ResultDto: Encodable, Sendable {
    /// The verdict's id: contract › step › kind.
    var name: String
    /// `PASS` or `FAIL` (a known gap passes, with `knownGap` set).
    var status: String
    /// Herald's outcome: passed, failed, known_gap or not_run.
    var outcome: String
    var kind: String
    var step: String
    var message: String
    var knownGap: String?
    /// Where the assertion is written (file:line:col).
    var location: String?
    /// The evidence, one line each (frames, responses, wrong recipients).
    var evidence: [String]

    init(_ v: Verdict) {
        name = v.id
        status = v.outcome == .passed || v.outcome == .knownGap ? "PASS" : "FAIL"
        outcome = v.outcome.rawValue
        kind = v.kind.rawValue
        step = v.step
        message = v.message
        knownGap = v.knownGap
        location = v.location?.description
        evidence = v.evidence.map(Self.line)
    }

    private static func line(_ e: Evidence) -> String {
        var parts = [e.role.rawValue]
        if let a = e.actor { parts.append("actor \(a)") }
        if let c = e.channel { parts.append("channel \(c)") }
        if let ms = e.sinceTriggerMs { parts.append("+\(Int(ms.rounded())) ms") }
        if let t = e.text { parts.append(t) }
        return parts.joined(separator: " · ")
    }
}

/// The notification posted to `{callbackBaseUrl}/notifications` once every expectation of an action is decided.
struct ActionNotificationDto: Encodable, Sendable {
    var testId: String
    var action: String
    var notification = "actionDecided"
    /// `PASS` or `FAIL`, over the action's results.
    var status: String
    var passed: Int
    var failed: Int
    var results: [ResultDto]
}

/// An RFC 9457 problem, answered as `application/problem+json`.
struct ProblemDto: Encodable, Sendable {
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String
    /// The names the agent knows, when the request named an unknown one (test cases, actions).
    var known: [String]?
}
