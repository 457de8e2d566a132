import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `herald-bench ramp --actors 50,200 --seconds 10`: throughput and latency of POST → matching WebSocket frame cycles
/// with many actors at once, each on a connection of its own: Herald's load run against a Python aiohttp peer.
struct RampCommand: AsyncParsableCommand {
    /// Help.
    static let configuration = CommandConfiguration(
        commandName: "ramp",
        abstract: "Cycles/s and latency of POST → matching frame with N actors at once: Herald's load run, a Python aiohttp peer.",
        discussion: """
            One bench server (`serve`, a child process): POST /echo with {"actor":a,"id":k} answers 200, then pushes \
            {"type":"echo","actor":a,"id":k,…} on the WebSocket actor a opened on /ws/actor/a. At each level of N actors, \
            Herald runs a generated contract (one actor, one websocket channel on /ws/actor/${worker.index}, K steps: POST \
            /echo with {actor: ${worker.index}, id: k}, expect 200, one match on the frame, within 10s) as a load run: \
            LoadRunner with N workers for --seconds, each worker starting flow after flow (a flow opens its own \
            connections) until the time is up. A cycle lasts from the step's request entry on the timeline to the start \
            of the next step. Then the peer (Python aiohttp, one asyncio loop, N actors each with its own session and \
            WebSocket) cycles POST → frame → json.loads → id checked for the same time. The sides take turns at each \
            level, in --parts parts of the seconds each, so that a busy spell of the shared machine weighs on both; the \
            parts' counts, seconds and latencies are pooled. cycles/s = completed cycles ÷ \
            the level's wall seconds (until the last actor stopped); timeouts = cycles that did not complete (no \
            matching frame within 10 s, a failed POST, steps a flow never reached). With --json the table goes to \
            stderr and stdout carries one line: {"scenario":"ramp","levels":[{"actors":N,"herald":{"cycles_per_s", \
            "p50_us","p99_us","timeouts"},"python":{…}|null},…]}.
            """
    )

    /// The levels, as written.
    @Option(name: .customLong("actors"), help: "Actors at once at each level, comma-separated.")
    var actorList: String = "50,200"

    /// Seconds per level and side.
    @Option(help: "Seconds each side cycles at each level.")
    var seconds: Int = 10

    /// How many turns each side takes at a level.
    @Option(help: "Parts each side's seconds at a level are run in, the sides taking turns.")
    var parts: Int = 2

    /// Cycle steps per Herald flow.
    @Option(name: .customLong("flow-cycles"), help: "Cycle steps per Herald flow (one contract run, one connection).")
    var flowCycles: Int = 20

    /// The peer and output options.
    @OptionGroup var sides: SideOptions

    /// Descriptors kept free besides the connections (the server's pipes, libraries' own).
    static let margin = 64

    /// The levels, read from `--actors`; nil when it is not a list of positive integers.
    var levels: [Int]? {
        let parts = actorList.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        return parts.compactMap { $0 }
    }

    /// Rejects impossible options.
    func validate() throws {
        if levels == nil { throw ValidationError("--actors must be a comma-separated list of positive integers, e.g. 50,200") }
        if seconds < 1 { throw ValidationError("--seconds must be at least 1") }
        if flowCycles < 1 { throw ValidationError("--flow-cycles must be at least 1") }
        if parts < 1 || parts > seconds { throw ValidationError("--parts must be between 1 and --seconds") }
    }

    /// Runs the benchmark.
    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let levels = levels ?? []
        // Each actor holds a WebSocket and an HTTP connection, on each side and in the server.
        let need = 2 * (levels.max() ?? 0) + Self.margin
        let limit = ProcessMemory.raiseFileLimit()
        if need > limit.soft {
            throw BenchFailure("""
                \(levels.max() ?? 0) actors need about \(need) open files per process, but the limit here is \(limit.soft) \
                (hard limit \(limit.hard)); raise the hard limit (ulimit -Hn) or ask for fewer actors
                """)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-ramp-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await Interruption.shared.guarding(folder: folder) { try await measure(levels, in: folder, fileLimit: limit.soft) }
    }

    /// Starts the server; at each level runs Herald and the peer taking turns; prints the table and the JSON line.
    private func measure(_ levels: [Int], in folder: String, fileLimit: Int) async throws {
        let console = Console(json: sides.json)
        let server = try ServerProcess(frames: 1)
        defer { server.stop() }
        let herald = try RampHerald(folder: folder, port: server.port, cyclesPerFlow: flowCycles)
        let peer = sides.noPeer ? nil : await PythonPeer.find(ScenarioPeers.ramp, folder: folder)
        console.say("herald-bench ramp: \(levels.map(String.init).joined(separator: ", ")) actors, \(seconds) s per level and side "
                    + "in \(parts) part\(parts == 1 ? "" : "s") taking turns, "
                    + "\(flowCycles) cycles per Herald flow; server pid \(server.pid), port \(server.port); open-file limit \(fileLimit)")

        var rows = [["actors", "side", "cycles", "cycles/s", "p50 µs", "p90 µs", "p99 µs", "max µs", "timeouts", "CPU µs/cycle"]]
        var ratios: [String] = []
        var levelsJSON: [BenchJSON] = []
        var peerLabel = "python"
        for actors in levels {
            var h: RampHerald.Level?
            var p: RampFigures?
            for part in turns(of: seconds, in: parts) {
                let level = try await herald.run(actors: actors, seconds: part)
                console.say("  \(actors) actors, herald: \(Format.grouped(Double(level.figures.cycles))) cycles in \(level.flows) flows, "
                            + "\(Format.fixed(level.figures.wall, 2)) s, \(level.figures.timeouts) timeouts (\(level.failedEvents) failed "
                            + "event expectations, \(level.infrastructureErrors) infrastructure errors)")
                for problem in level.problems { console.say("    \(problem)") }
                try await IdleCommand.awaitClosed(port: server.port)
                if h == nil { h = level } else { h?.add(level) }
                guard let peer else { continue }
                let report = try await peer.runScript([String(server.port), String(actors), String(part)],
                                                      timeout: .seconds(part + 120))
                guard let ns = report["ns"] as? [Int], let cycles = report["cycles"] as? Int, ns.count == cycles,
                      let timeouts = report["timeouts"] as? Int, let wall = report["wall"] as? Double,
                      let cpu = report["cpu"] as? Double else {
                    throw BenchFailure("the Python peer did not report its cycles: \(report.filter { $0.key != "ns" })")
                }
                var latency = Latency()
                for v in ns { latency.record(nanoseconds: UInt64(max(0, v))) }
                let figures = RampFigures(cycles: cycles, timeouts: timeouts, wall: wall, cpu: cpu, latency: latency)
                peerLabel = peer.label(api: report["api"] as? String ?? "?")
                console.say("  \(actors) actors, python: \(Format.grouped(Double(cycles))) cycles, \(Format.fixed(wall, 2)) s, "
                            + "\(timeouts) timeouts")
                try await IdleCommand.awaitClosed(port: server.port)
                if p == nil { p = figures } else { p?.add(figures) }
            }
            guard let h else { continue }
            rows.append(Self.row(actors, "herald (load run)", h.figures))
            if let p {
                rows.append(Self.row(actors, peerLabel, p))
                ratios.append("\(actors) actors: herald ÷ python cycles/s = \(Format.fixed(h.figures.cyclesPerSecond / p.cyclesPerSecond, 2))×, "
                              + "p99 = \(Format.fixed(h.figures.latency.microseconds(at: 99) / p.latency.microseconds(at: 99), 2))×, "
                              + "p50 = \(Format.fixed(h.figures.latency.microseconds(at: 50) / p.latency.microseconds(at: 50), 2))×")
            }
            levelsJSON.append(.object([("actors", .int(actors)), ("herald", h.figures.json), ("python", p?.json ?? .null)]))
        }

        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        console.say()
        for r in rows { console.say(r.enumerated().map { c, cell in Format.pad(cell, widths[c], right: c != 1) }.joined(separator: "   ")) }
        if !ratios.isEmpty {
            console.say()
            for line in ratios { console.say(line) }
        }
        console.say("""

            notes: herald = LoadRunner, one worker per actor, flow after flow of \(flowCycles) cycles (each flow opens its own
                   WebSocket; HTTP connections are kept alive per execution thread, which the workers share); a cycle = the
                   step's request entry → the next step starts (response checked, match passed). python = \(peerLabel), one asyncio loop, one session and WebSocket per actor for the whole
                   level; a cycle = before session.post → the frame parsed and its id checked. cycles/s = completed cycles ÷
                   the level's wall seconds; CPU: the side's own process over the level.
            """)
        if peer == nil && !sides.noPeer {
            console.say("no Python peer: \(PythonPeer.candidates.joined(separator: " nor ")) cannot import aiohttp; "
                        + "to compare, \(ScenarioPeers.ramp.installHint)")
        }
        console.emit(.object([("scenario", .string("ramp")), ("levels", .array(levelsJSON))]))
    }

    /// One table row.
    private static func row(_ actors: Int, _ label: String, _ f: RampFigures) -> [String] {
        [String(actors), label, Format.grouped(Double(f.cycles)), Format.fixed(f.cyclesPerSecond, 0)]
            + [50.0, 90, 99].map { Format.fixed(f.latency.microseconds(at: $0), 1) }
            + [Format.fixed(f.latency.maxMicroseconds, 1), String(f.timeouts), Format.fixed(f.cpuPerCycleMicroseconds, 1)]
    }
}
