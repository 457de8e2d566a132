import ArgumentParser
import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldReport
import HeraldRunner
import Synchronization

/// What turns contracts into plans: variables, environment files, TLS. Shared by `run`, `demo` and `tail`.
struct ContractInputs: ParsableArguments {
    @Option(name: .customLong("env-file"), help: "Read KEY=VALUE lines into ${env.KEY}; their values are treated as secrets.")
    var envFiles: [String] = []

    @Option(name: .customLong("var"), help: "Set a variable: --var name=value (repeatable).")
    var vars: [String] = []

    @Flag(help: "Skip TLS certificate verification.")
    var insecure = false
}

/// Options shared by `run` and `demo`.
struct RunFlags: ParsableArguments {
    @OptionGroup var inputs: ContractInputs

    @Option(name: .customLong("tag"), help: "Run only contracts with this tag (repeatable).")
    var tags: [String] = []

    @Flag(help: "Known gaps fail the run.")
    var strict = false

    @Flag(name: .customLong("fail-fast"), help: "Stop at the first failed expectation (cleanup still runs).")
    var failFast = false

    @Option(help: "Write reports into this folder: report.json, junit.xml, report.md and report.html.")
    var report: String?

    @Option(help: "With --report, only these formats (comma-separated: json, junit, md, html).")
    var format: String?

    @Option(help: "Write every timeline entry to this file as JSON Lines while the run goes on.")
    var trace: String?

    @Option(help: ArgumentHelp("Run only this part of the work, for several machines: the contracts of a plain run, or the workers of each level of a load run, whose position leaves i − 1 when divided by n. Merge the reports with herald merge.", valueName: "i/n"))
    var shard: String?

    @Option(help: "Run this many contracts at once (each has its own actors); results are reported in order.")
    var jobs: Int = 1

    @Option(help: "Run each contract this many times, one after another, and report how often each contract and expectation passed.")
    var `repeat`: Int = 1

    @Option(help: ArgumentHelp("Run as a load run: at each level of concurrency in turn, that many workers run the contracts at once, each with actors of its own.", valueName: "1,2,4,8"))
    var concurrency: String?

    @Option(help: "In a load run, how many times each worker runs the contracts at each level (with --rate, how many periods of the rate).")
    var rounds: Int?

    @Option(help: ArgumentHelp("Run as an open-model load run: start flows at this arrival rate, whether or not earlier flows have ended (comma-separated rates are levels). With it, --concurrency N is the most flows under way at once. Latency is also measured from each flow's scheduled start; late and dropped starts are counted.", valueName: "100/900s"))
    var rate: String?

    @Option(help: ArgumentHelp("In a load run, how long each level lasts, instead of --rounds: workers start round after round (or flows keep arriving at the rate) until it has passed.", valueName: "30s"))
    var duration: String?

    @Option(help: ArgumentHelp("Stop a run that lasts longer than this: cleanup runs, the reports are written and marked partial, expectations still pending are interrupted, and the exit code is 3.", valueName: "5m"))
    var timeout: String?

    /// `--timeout`, read.
    var runTimeout: Duration? { timeout.flatMap { DurationText.parse($0) } }

    @Option(name: .customLong("threshold"), help: ArgumentHelp("In a load run, a condition every level must meet, or the run fails (repeatable): http.p95<300ms, delivery.p99<500ms, flows.failed==0, wrong_recipients==0, checkpoints.missing==0.", valueName: "condition"))
    var thresholds: [String] = []

    /// The load run asked for, if any; `--repeat N` is one of a single worker and N rounds.
    var load: LoadOptions? {
        let shard = shard.flatMap { Shard($0) }, duration = duration.flatMap { DurationText.parse($0) }
        if let rate, let rates = try? Rate.list(rate) {
            return LoadOptions(levels: [], rounds: rounds ?? 1, shard: shard, duration: duration, rates: rates,
                               maxInFlight: concurrency.flatMap { Self.levels($0)?.first })
        }
        guard let concurrency else { return `repeat` > 1 ? LoadOptions(levels: [1], rounds: `repeat`) : nil }
        return LoadOptions(levels: Self.levels(concurrency) ?? [], rounds: rounds ?? 1, shard: shard, duration: duration)
    }

    /// The worker counts of `--concurrency 1,2,4`, or `nil` unless each is a whole number of 1 or more.
    static func levels(_ text: String) -> [Int]? {
        let levels = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !levels.isEmpty, levels.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        return levels.compactMap { $0 }
    }

    func validate() throws {
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if let shard, Shard(shard) == nil {
            throw ValidationError("--shard takes i/n with 1 ≤ i ≤ n: --shard 2/4 (got '\(shard)')")
        }
        if `repeat` < 1 { throw ValidationError("--repeat must be at least 1") }
        if `repeat` > 1 && concurrency != nil { throw ValidationError("--repeat runs contracts again one after another; in a load run use --rounds") }
        if `repeat` > 1 && jobs > 1 { throw ValidationError("--repeat runs each contract again one after another; it does not combine with --jobs") }
        if jobs > 1 && concurrency != nil { throw ValidationError("--jobs runs contracts side by side; a load run (--concurrency) has its own workers") }
        if let concurrency, Self.levels(concurrency) == nil {
            throw ValidationError("--concurrency takes worker counts of 1 or more, comma-separated: --concurrency 1,2,4,8 (got '\(concurrency)')")
        }
        if let rate {
            do { _ = try Rate.list(rate) } catch { throw ValidationError("--rate: \(error.description)") }
            if let concurrency, (Self.levels(concurrency)?.count ?? 0) > 1 {
                throw ValidationError("with --rate, --concurrency is one number: the most flows under way at once (got '\(concurrency)')")
            }
            if `repeat` > 1 || jobs > 1 { throw ValidationError("--rate starts flows at its own pace; it does not combine with --repeat or --jobs") }
        }
        if let timeout, (DurationText.parse(timeout) ?? .zero) <= .zero {
            throw ValidationError("--timeout takes a time with its unit: --timeout 5m (got '\(timeout)')")
        }
        if let duration {
            guard let d = DurationText.parse(duration), d > .zero else {
                throw ValidationError("--duration takes a time with its unit: --duration 30s (got '\(duration)')")
            }
            if concurrency == nil && rate == nil { throw ValidationError("--duration needs --concurrency or --rate") }
            if rounds != nil { throw ValidationError("a level lasts --rounds or --duration, not both") }
        }
        if !thresholds.isEmpty {
            for t in thresholds {
                do { _ = try Threshold(t) } catch { throw ValidationError(error.description) }
            }
        }
        if let rounds {
            if concurrency == nil && rate == nil { throw ValidationError("--rounds needs --concurrency or --rate") }
            if rounds < 1 { throw ValidationError("--rounds must be at least 1") }
        }
        if let format {
            do { _ = try ReportFormat.parse(format) } catch { throw ValidationError("\(error)") }
            if report == nil { throw ValidationError("--format needs --report DIR") }
        }
    }

    @Flag(name: .shortAndLong, help: "Also list passing expectations.")
    var verbose = false
}

/// Load → plan → run → report, shared by the commands that run contracts.
enum RunSession {
    /// Runs the contracts under `paths` and returns the exit status.
    ///   - skip: says why a contract cannot run here (`herald demo`: a broker it needs is not installed); such a
    ///     contract is named on stderr and left out.
    static func run(paths: [String], flags: RunFlags, extraEnvironment: [String: String] = [:],
                    skip: (Contract) -> String? = { _ in nil }) async throws -> ExitStatus {
        let (planned, options): ([ContractPlan], RunOptions)
        do {
            (planned, options) = try plan(paths: paths, inputs: flags.inputs, tags: flags.tags, extraEnvironment: extraEnvironment)
        } catch let error as ContractErrors {
            Terminal.err(error.description)
            return .invalidContract
        }
        let runnable = planned.filter { plan in
            guard let reason = skip(plan.contract) else { return true }
            Terminal.err("skipped \(plan.contract.file): \(reason)")
            return false
        }
        let shard = flags.shard.flatMap { Shard($0) }
        let choice: LoadChoice
        do {
            choice = try LoadChoice.resolve(flags: flags, contracts: runnable.map(\.contract), shard: shard)
        } catch {
            Terminal.err("herald: \(error.message)")
            return .invalidContract
        }
        if choice.options == nil && !flags.thresholds.isEmpty {
            Terminal.err("herald: --threshold holds the levels of a load run: add --concurrency, or a load: block to the contract")
            return .invalidContract
        }
        // A plain run's shard takes its part of the contracts; a load run's, its part of each level's workers.
        let plans = shard.map { s in choice.options == nil ? runnable.enumerated().filter { s.owns($0.offset) }.map(\.element) : runnable }
            ?? runnable
        if plans.isEmpty, let shard, !planned.isEmpty {
            Terminal.err("shard \(shard) has no contracts: there are \(planned.count)")
            return .passed
        }
        if plans.isEmpty {
            Terminal.err("no contracts to run in \(paths.joined(separator: ", "))\(flags.tags.isEmpty ? "" : " with tags \(flags.tags.joined(separator: ", "))")")
            return .invalidContract
        }
        let formats = try flags.format.map { try ReportFormat.parse($0) } ?? ReportFormat.allCases
        // Open every output before running, so a bad path fails now and not after the run.
        if let dir = flags.report {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        }
        let trace = try flags.trace.map { try TraceWriter(path: $0) }

        var onEntry: (@Sendable (LiveEntry) -> Void)?
        if let trace { onEntry = { live in trace.write(live) } }

        let startedAt = ISO8601DateFormatter().string(from: Date())
        let runnerOptions = RunnerOptions(
            failFast: flags.failFast, strict: flags.strict, insecure: flags.inputs.insecure,
            progress: { p in Terminal.progress("[\(p.contractIndex)/\(p.contractCount)] \(p.contract) · \(p.activity)") },
            onEntry: onEntry, jobs: flags.jobs)
        if let load = choice.options {
            let (loadResult, timedOut) = await withInterruptHandling(timeout: flags.runTimeout) {
                await LoadRunner.run(plans, load: load, options: runnerOptions, progress: { p in Terminal.progress(p.line) })
            }
            Terminal.clearProgress()
            // Summarised once, for the console and every report.
            let loadRun = ReportContext.LoadRun(result: loadResult, thresholds: choice.thresholds)
            var context = ReportContext(runID: options.runID, startedAt: startedAt, version: heraldVersion, load: loadRun, shard: shard)
            context.timedOut = timedOut
            Terminal.out(choice.isRepeat ? RepeatConsoleReport.render(loadResult, breaches: loadRun.breaches, color: Terminal.color)
                         : LoadConsoleReport.render(loadRun, color: Terminal.color))
            let result = loadResult.runResult
            trace?.finish(result, context: context)
            write(result, context: context, to: flags.report.map { dir in formats.map { $0.sink(in: dir) } } ?? [])
            return context.exitStatus(of: result)
        }
        let (result, timedOut) = await withInterruptHandling(timeout: flags.runTimeout) {
            await Runner.run(plans, options: runnerOptions)
        }
        Terminal.clearProgress()
        var context = ReportContext(runID: options.runID, startedAt: startedAt, version: heraldVersion, shard: shard)
        context.timedOut = timedOut
        trace?.finish(result, context: context)
        var sinks: [any ReportSink] = [ConsoleReport(color: Terminal.color, verbose: flags.verbose, output: { Terminal.out($0) })]
        if ProcessInfo.processInfo.environment["GITHUB_ACTIONS"] == "true" {
            sinks.append(GitHubAnnotations(output: { Terminal.out($0) }))
        }
        if let dir = flags.report {
            sinks += formats.map { $0.sink(in: dir) }
        }
        write(result, context: context, to: sinks)
        return context.exitStatus(of: result)
    }

    /// Hands `result` to every sink. Every sink gets its turn even when one fails: a broken HTML report must not
    /// cost the JUnit file.
    private static func write(_ result: RunResult, context: ReportContext, to sinks: [any ReportSink]) {
        var failures: [String] = []
        for sink in sinks {
            do { try sink.write(result, context: context) } catch { failures.append("\(error)") }
        }
        for f in failures { Terminal.err("herald: cannot write a report: \(f)") }
    }

    /// Loads and plans the contracts under `paths` with the variables, environment files and TLS choice of `inputs`.
    /// Throws `ContractErrors` for invalid contracts.
    static func plan(paths: [String], inputs: ContractInputs, tags: [String] = [],
                     extraEnvironment: [String: String] = [:]) throws -> ([ContractPlan], RunOptions) {
        var environment = ProcessInfo.processInfo.environment
        var secrets: Set<String> = []
        for file in inputs.envFiles {
            for (k, v) in try EnvFile.load(file) {
                environment[k] = v
                secrets.insert(v)
            }
        }
        for (k, v) in extraEnvironment { environment[k] = v }
        var variables: [String: String] = [:]
        for item in inputs.vars {
            guard let eq = item.firstIndex(of: "=") else {
                throw ValidationError("--var takes name=value, got '\(item)'")
            }
            variables[String(item[..<eq])] = String(item[item.index(after: eq)...])
        }
        let options = RunOptions(variables: variables, environment: environment, secrets: secrets, tags: tags,
                                 insecure: inputs.insecure)
        return (try Planner.plan(try ContractLoader.load(paths: paths), options: options), options)
    }

    /// Runs `body` in a task that the first Ctrl-C cancels (cleanup then runs and reports are written);
    /// a second Ctrl-C exits at once.
    ///
    /// With a `timeout`, a run still going when it passes is stopped the same way, and the second value is true.
    static func withInterruptHandling<T: Sendable>(timeout: Duration? = nil,
                                                   _ body: @escaping @Sendable () async -> T) async -> (T, timedOut: Bool) {
        let task = Task { await body() }
        let timedOut = Flag()
        let timer = timeout.map { limit in
            Task {
                try await Task.sleep(for: limit)
                timedOut.value.store(true, ordering: .relaxed)
                Terminal.clearProgress()
                Terminal.err("herald: the run passed its --timeout of \(DurationText.format(limit)): stopping it, running cleanup and writing reports")
                task.cancel()
            }
        }
        let hits = Atomic<Int>(0)
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: .global()) }
        for source in sources {
            source.setEventHandler {
                if hits.add(1, ordering: .relaxed).newValue > 1 { exit(130) }
                Terminal.clearProgress()
                Terminal.err("interrupted: running cleanup and writing reports (Ctrl-C again to quit at once)")
                task.cancel()
            }
            source.resume()
        }
        let value = await task.value
        timer?.cancel()
        for source in sources { source.cancel() }
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        return (value, timedOut.value.load(ordering: .relaxed))
    }

    /// A flag set by one task and read by another.
    private final class Flag: Sendable {
        let value = Atomic<Bool>(false)
    }
}

extension ExitStatus {
    /// The ArgumentParser exit code.
    var exitCode: ExitCode { ExitCode(rawValue) }
}
