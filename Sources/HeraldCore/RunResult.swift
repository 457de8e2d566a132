

/// What running one contract produced: its verdicts, its timeline, and how it ended.
public struct ContractResult: Sendable {
    /// The contract's name.
    public var name: String
    /// Its file.
    public var file: String
    /// Where `contract:` is written.
    public var location: SourceLocation
    /// Every verdict, in the order the expectations were judged.
    public var verdicts: [Verdict]
    /// Every request, response, frame and connection event.
    public var timeline: [TimelineEntry]
    /// The instant the contract started (timeline times are shown relative to it).
    public var origin: MonotonicInstant
    /// How long it took.
    public var duration: Duration
    /// The infrastructure error that stopped it, if any.
    public var infrastructureError: String?
    /// Whether an interrupt (Ctrl-C) cut it short.
    public var interrupted: Bool
    /// The actor instances, in declaration order.
    public var actors: [String]

    /// Creates a result.
    public init(name: String, file: String, location: SourceLocation, verdicts: [Verdict], timeline: [TimelineEntry],
                origin: MonotonicInstant, duration: Duration, infrastructureError: String?, interrupted: Bool, actors: [String]) {
        self.name = name
        self.file = file
        self.location = location
        self.verdicts = verdicts
        self.timeline = timeline
        self.origin = origin
        self.duration = duration
        self.infrastructureError = infrastructureError
        self.interrupted = interrupted
        self.actors = actors
    }

    /// How the contract ended; with `strict`, a known gap fails it.
    public func status(strict: Bool) -> ExitStatus {
        if infrastructureError != nil { return .infrastructure }
        if verdicts.contains(where: { $0.outcome == .failed || (strict && $0.outcome == .knownGap) }) { return .failed }
        return .passed
    }

    /// Verdicts with `outcome`.
    public func count(_ outcome: Verdict.Outcome) -> Int { verdicts.filter { $0.outcome == outcome }.count }
}

/// Everything a run produced.
public struct RunResult: Sendable {
    /// One result per contract that ran, in order.
    public var contracts: [ContractResult]
    /// Whether an interrupt stopped the run.
    public var interrupted: Bool
    /// Contracts not run (after `--fail-fast` or an interrupt).
    public var skipped: [String]
    /// Whether known gaps fail the run (`--strict`).
    public var strict: Bool

    /// Creates a result.
    public init(contracts: [ContractResult], interrupted: Bool, skipped: [String], strict: Bool) {
        self.contracts = contracts
        self.interrupted = interrupted
        self.skipped = skipped
        self.strict = strict
    }

    /// Whether the run stopped before everything was judged (Ctrl-C, an infrastructure error, `--fail-fast`):
    /// reports say so, since what they show is complete only as far as the run went.
    public var isPartial: Bool {
        interrupted || !skipped.isEmpty || contracts.contains { $0.infrastructureError != nil || $0.interrupted }
    }

    /// The exit status: infrastructure errors first, then failures (known gaps count as failures with `--strict`).
    public var exitStatus: ExitStatus {
        var status = ExitStatus.passed
        for c in contracts { status = max(status, c.status(strict: strict)) }
        if interrupted { status = max(status, .failed) }
        return status
    }
}
