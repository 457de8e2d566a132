import HeraldContract
import HeraldCore
import HeraldRunner

/// Whether a run is a load run, and which: the flags win (`--concurrency`, `--repeat`), else the contracts' `load:`
/// blocks, which must then agree; and the thresholds its levels are held to: `--threshold`, else the contracts'
/// `thresholds:`.
struct LoadChoice {
    /// The load run, or `nil` for a plain run.
    var options: LoadOptions?
    /// `--repeat N`: a load run of one worker, reported as repeats.
    var isRepeat: Bool
    /// The thresholds.
    var thresholds: [Threshold]

    /// Why the contracts' declarations cannot make one load run.
    struct Conflict: Error {
        var message: String
    }

    /// The choice for `contracts` run with `flags` (as part `shard`).
    static func resolve(flags: RunFlags, contracts: [Contract], shard: Shard?) throws(Conflict) -> LoadChoice {
        var thresholds = flags.thresholds.compactMap { try? Threshold($0) }
        if thresholds.isEmpty {
            for t in contracts.flatMap(\.thresholds) where !thresholds.contains(t) { thresholds.append(t) }
        }
        if let options = flags.load {
            return LoadChoice(options: options, isRepeat: flags.concurrency == nil && flags.rate == nil, thresholds: thresholds)
        }
        var declared: [(Contract, LoadDeclaration)] = []
        for c in contracts { if let d = c.load { declared.append((c, d)) } }
        guard let (_, first) = declared.first else { return LoadChoice(options: nil, isRepeat: false, thresholds: thresholds) }
        if let (other, d) = declared.first(where: { $0.1 != first }) {
            throw Conflict(message: "the contracts ask for different load runs: \(first.location) says \(first.summary), "
                           + "\(d.location) (\(other.name)) \(d.summary); run them apart, or choose with --concurrency, --rate and --rounds")
        }
        let options = first.rates.isEmpty
            ? LoadOptions(levels: first.concurrency, rounds: first.rounds, shard: shard, duration: first.duration)
            : LoadOptions(levels: [], rounds: first.rounds, shard: shard, duration: first.duration, rates: first.rates,
                          maxInFlight: first.concurrency.first)
        return LoadChoice(options: options, isRepeat: false, thresholds: thresholds)
    }
}
