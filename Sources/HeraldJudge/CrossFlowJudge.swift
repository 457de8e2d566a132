import HeraldCore

/// Wrong recipients across the flows of a load run: a frame one flow's `recipients` expectation matched that an actor
/// of another flow also received (one worker's notification on another worker's seller).
///
/// Each flow judges only its own connections, where another flow's notification matches nothing of its own and goes
/// unnoticed; this looks across them. A frame counts as one flow's when its text is one that flow's `recipients`
/// expectation matched, and no expectation of the receiving flow matched the same text: a frame every flow expects
/// alike (a broadcast) is nobody's.
public enum CrossFlowJudge {
    /// Where a frame was received.
    private struct Receipt {
        var flow: Int
        var actor: String?
        var at: MonotonicInstant
    }

    private struct Key: Hashable {
        var channel: String
        var text: String
    }

    /// For each flow (by position in `flows`), the wrong-recipient verdicts to add to it: one per `recipients`
    /// verdict whose matched frames reached other flows, with those receipts as evidence.
    public static func wrongRecipients(_ flows: [FlowResult]) -> [[Verdict]] {
        var received: [Key: [Receipt]] = [:]
        var expected: [Set<Key>] = []
        for (i, flow) in flows.enumerated() {
            for entry in flow.contract.timeline {
                guard case .frame(let record) = entry.event, let channel = entry.channel else { continue }
                received[Key(channel: channel, text: record.text), default: []].append(Receipt(flow: i, actor: entry.actor, at: entry.at))
            }
            expected.append(Set(flow.contract.verdicts.flatMap(\.evidence).compactMap { e -> Key? in
                guard e.role == .matched, let channel = e.channel, let text = e.text else { return nil }
                return Key(channel: channel, text: text)
            }))
        }
        return flows.enumerated().map { i, flow in
            let at = Dictionary(flow.contract.timeline.map { ($0.seq, $0.at) }) { first, _ in first }
            return flow.contract.verdicts.compactMap { v -> Verdict? in
                guard v.kind == .recipients else { return nil }
                var evidence: [Evidence] = []
                var strays: [String] = []
                for matched in v.evidence where matched.role == .matched {
                    guard let channel = matched.channel, let text = matched.text else { continue }
                    let key = Key(channel: channel, text: text)
                    let others = (received[key] ?? []).filter { $0.flow != i && !expected[$0.flow].contains(key) }
                    guard !others.isEmpty else { continue }
                    // The trigger, from the matched frame: its arrival less its time since the trigger.
                    let trigger = matched.seq.flatMap { at[$0] }.flatMap { a in matched.sinceTriggerMs.map { a.advanced(by: .microseconds(Int64(-$0 * 1000))) } }
                    evidence.append(matched)
                    for r in others {
                        let who = Self.name(flows[r.flow], actor: r.actor)
                        strays.append(who)
                        evidence.append(Evidence(role: .unexpected, actor: who, channel: channel,
                                                 sinceTriggerMs: trigger.map { $0.duration(to: r.at).milliseconds }, text: text))
                    }
                }
                guard !strays.isEmpty else { return nil }
                let list = strays.count > 3 ? strays.prefix(3).joined(separator: ", ") + " and \(strays.count - 3) more" : strays.joined(separator: ", ")
                return Verdict(id: v.id + " › other flows", contract: v.contract, step: v.step, kind: .recipients,
                               outcome: v.knownGap != nil ? .knownGap : .failed, reason: .wrongRecipient,
                               message: "wrong recipient in another flow: \(list) also received what this flow's step sent",
                               location: v.location, knownGap: v.knownGap, evidence: evidence)
            }
        }
    }

    /// `worker 1, round 2: seller[0]`.
    static func name(_ flow: FlowResult, actor: String?) -> String {
        "worker \(flow.worker), round \(flow.round): \(actor ?? "shared connection")"
    }
}
