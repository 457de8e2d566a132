import HeraldContract
import HeraldCore

/// What the attempts of a poll answered so far. The runner makes the requests and decides when to stop (when the
/// state is reached, or when the next attempt would come after the deadline: an action, not a judgement); this only
/// records each answer and says whether the state is reached.
public struct PollObservations: Sendable {
    /// The condition on the response body, rendered.
    public let until: Matcher
    /// The JSONPath whose distinct values are recorded.
    public let record: JSONPath?
    /// How many attempts were observed, up to and including the first that reached the state.
    public private(set) var attempts = 0
    /// The recorded values in order, each different from the one before it.
    public private(set) var seen: [JSONValue] = []
    /// The last response observed.
    public private(set) var last: ObservedResponse?
    /// Whether an attempt reached the state.
    public private(set) var reached = false

    /// Starts with no attempt.
    public init(until: Matcher, record: JSONPath?) {
        self.until = until
        self.record = record
    }

    /// Records one attempt's response and returns whether the state is reached: the poll then stops. Responses after
    /// the one that reached it are ignored.
    @discardableResult
    public mutating func observe(_ response: ObservedResponse) -> Bool {
        guard !reached else { return true }
        attempts += 1
        last = response
        if let path = record, let v = path.evaluate(in: response.body), seen.last != v { seen.append(v) }
        if until.matches(response.body) { reached = true }
        return reached
    }
}

/// How a poll ended: its verdict, and the response the step's `expect:` and captures are then judged on.
public struct PollOutcome: Sendable {
    /// The `poll` verdict.
    public var verdict: Verdict
    /// The last response when the state was reached (even when the values seen were not those expected); `nil`
    /// when it was not, and the step stops.
    public var response: ObservedResponse?
    /// Whether the state was reached.
    public var reached: Bool
    /// The recorded values in order, unmasked.
    public var seen: [JSONValue]
}

/// Judges a poll from its observed attempts. A pure function, like ``EventJudge``: it never waits or sends.
public enum PollJudge {
    /// The outcome of a poll whose attempts are `observations`, judged when the runner stopped polling: a poll that
    /// did not reach its state timed out.
    ///
    /// The verdict quotes the recorded values as they are: secrets are masked where the result is shown.
    ///
    /// - Parameter expectedSeen: the rendered `seen:` values, which must appear in this order among the recorded ones.
    ///   Consulted only when the state was reached, so a caller may render them only then.
    public static func judge(_ observations: PollObservations, expectedSeen: [JSONValue]?, within: Duration,
                             contract: String, step: String, idPrefix: String, location: SourceLocation?) -> PollOutcome {
        let o = observations
        let seenText = o.seen.map(\.plainText).joined(separator: " → ")
        let evidence = [Evidence(role: .observed, seq: o.last?.seq, text: seenText.isEmpty ? nil : "seen: \(seenText)",
                                 differences: o.reached ? [] : o.until.differences(o.last?.body))]
        func outcome(_ outcome: Verdict.Outcome, _ reason: Verdict.Reason?, _ message: String) -> PollOutcome {
            let v = Verdict(id: "\(idPrefix) › poll", contract: contract, step: step, kind: .poll, outcome: outcome,
                            reason: reason, message: message, location: location, evidence: evidence)
            return PollOutcome(verdict: v, response: o.reached ? o.last : nil, reached: o.reached, seen: o.seen)
        }
        guard o.reached else {
            return outcome(.failed, .timeout, "\(o.until.summary) did not hold within \(DurationText.format(within)) "
                           + "(\(o.attempts) attempts; seen: \(seenText.isEmpty ? "nothing" : seenText))")
        }
        if let want = expectedSeen {
            var i = 0
            for v in o.seen where i < want.count && Matcher.equals(want[i]).matches(v) { i += 1 }
            if i < want.count {
                return outcome(.failed, .mismatch, "expected to see \(want.map(\.plainText).joined(separator: " → ")), saw \(seenText)")
            }
        }
        return outcome(.passed, nil, "\(o.until.summary) after \(o.attempts) attempt\(o.attempts == 1 ? "" : "s")"
                       + (seenText.isEmpty ? "" : "; seen: \(seenText)"))
    }

    /// The outcome of a poll whose attempts answered `responses`, in order: ``judge(_:expectedSeen:within:contract:step:idPrefix:location:)``
    /// on them observed one by one.
    public static func judge(until: Matcher, record: JSONPath?, responses: [ObservedResponse], expectedSeen: [JSONValue]?,
                             within: Duration, contract: String, step: String, idPrefix: String,
                             location: SourceLocation?) -> PollOutcome {
        var observations = PollObservations(until: until, record: record)
        for r in responses where observations.observe(r) { break }
        return judge(observations, expectedSeen: expectedSeen, within: within, contract: contract, step: step,
                     idPrefix: idPrefix, location: location)
    }
}
