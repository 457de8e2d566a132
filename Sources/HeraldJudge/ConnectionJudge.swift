import HeraldContract
import HeraldCore

/// Judges the channel connections that dropped during a contract. A pure function, like ``EventJudge``.
public enum ConnectionJudge {
    /// One failed `connection` verdict per drop, in order: `contract › channel NAME[ ACTOR] › connection #N`, with the
    /// time of the drop since `origin` (the contract's timeline origin) and the drop as evidence. `location` gives
    /// where a channel is declared, by name.
    public static func judge(_ drops: [ObservedDisconnect], origin: MonotonicInstant, contract: String,
                             location: (String) -> SourceLocation?) -> [Verdict] {
        drops.enumerated().map { i, drop in
            Verdict(id: "\(contract) › channel \(drop.channel)\(drop.actor.map { " \($0)" } ?? "") › connection #\(i + 1)",
                    contract: contract, step: "channel \(drop.channel)", kind: .connection, outcome: .failed,
                    reason: .connectionDropped,
                    message: "the connection\(whose(drop)) on '\(drop.channel)' dropped at \(when(drop, origin))",
                    location: location(drop.channel),
                    evidence: [Evidence(role: .disconnect, actor: drop.actor, channel: drop.channel, text: drop.detail)])
        }
    }

    /// The contract's infrastructure error for its drops: the first one ends the contract. `nil` without drops. The
    /// caller keeps an infrastructure error it already has: `existing ?? infrastructureError(drops, origin:)`.
    public static func infrastructureError(_ drops: [ObservedDisconnect], origin: MonotonicInstant) -> String? {
        drops.first.map { "the connection\(whose($0)) on channel '\($0.channel)' dropped at \(when($0, origin))" }
    }

    /// ` of ACTOR`, or nothing on a shared connection.
    private static func whose(_ drop: ObservedDisconnect) -> String { drop.actor.map { " of \($0)" } ?? "" }

    /// `+1.5s (close 1006)`: the time since the origin, and the close code and reason.
    private static func when(_ drop: ObservedDisconnect, _ origin: MonotonicInstant) -> String {
        "+\(DurationText.format(origin.duration(to: drop.at))) (\(drop.detail))"
    }
}
