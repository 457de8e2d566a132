import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `herald-bench trigger --cycles N`: latency of one trigger → event cycle (a POST, then the WebSocket frame the
/// server pushes for it, matched), Herald against a Python aiohttp client, with a libcurl keep-alive POST floor.
struct TriggerCommand: AsyncParsableCommand {
    /// Help.
    static let configuration = CommandConfiguration(
        commandName: "trigger",
        abstract: "Per-cycle latency of POST → matching WebSocket frame: Herald, a Python aiohttp peer, a libcurl POST floor.",
        discussion: """
            One bench server (`serve`, a child process): POST /echo with {"id":k} answers 200, then pushes \
            {"type":"echo","id":k,…} on the newest WebSocket connection. Herald runs a generated contract of W + N \
            steps (POST /echo, expect 200, one match on the frame with that id) through ContractLoader, Planner and \
            Runner; a cycle lasts from the step's request entry on the timeline to the start of the next step (the \
            match decided). The peer (Python aiohttp, one session and one WebSocket) times POST, response read, frame \
            received, json.loads and the id checked. The floor (herald-bench-floor post, C) times W + N sequential \
            POSTs on one libcurl easy handle, with no WebSocket open, so the server pushes nothing. W warm-up cycles \
            are left out of every figure; percentiles come from an HDR histogram. The sides take turns, in --parts \
            parts of the cycles each (Herald, floor, peer, Herald, …), so that a busy spell of the shared machine falls \
            on every side rather than on one; each part has its own warm-up. With --json the table goes to stderr \
            and stdout carries one line: {"scenario":"trigger","cycles":N,"herald":{"p50_us","p90_us","p99_us", \
            "max_us","cpu_us_per_cycle"},"python":{…}|null,"curl_floor":{"p50_us","p99_us"}|null}.
            """
    )

    /// Measured cycles per side.
    @Option(help: "Measured cycles per side.")
    var cycles: Int = 5_000

    /// Warm-up cycles per side.
    @Option(help: "Warm-up cycles per side, before the measured ones.")
    var warmup: Int = 200

    /// How many turns each side takes.
    @Option(help: "Parts each side's cycles are run in, the sides taking turns (a noisy machine then weighs on all alike).")
    var parts: Int = 3

    /// The peer and output options.
    @OptionGroup var sides: SideOptions

    /// Skip the C floor.
    @Flag(name: .customLong("no-floor"), help: "Skip the libcurl POST floor.")
    var noFloor = false

    /// Rejects impossible options.
    func validate() throws {
        if cycles < 1 { throw ValidationError("--cycles must be at least 1") }
        if warmup < 0 { throw ValidationError("--warmup cannot be negative") }
        if parts < 1 || parts > cycles { throw ValidationError("--parts must be between 1 and --cycles") }
    }

    /// Runs the benchmark.
    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-trigger-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await Interruption.shared.guarding(folder: folder) { try await measure(in: folder) }
    }

    /// One side's figures.
    private struct Row {
        /// The table's label.
        var label: String
        /// The measured cycles' latencies.
        var latency: Latency
        /// CPU seconds over the measured cycles.
        var cpu: Double

        /// The JSON object: all five keys, or only p50 and p99 for the floor.
        func json(cycles: Int, full: Bool) -> BenchJSON {
            var fields: [(String, BenchJSON)] = [("p50_us", .number(latency.microseconds(at: 50), places: 1))]
            if full { fields.append(("p90_us", .number(latency.microseconds(at: 90), places: 1))) }
            fields.append(("p99_us", .number(latency.microseconds(at: 99), places: 1)))
            if full {
                fields.append(("max_us", .number(latency.maxMicroseconds, places: 1)))
                fields.append(("cpu_us_per_cycle", .number(cpu / Double(cycles) * 1e6, places: 1)))
            }
            return .object(fields)
        }
    }

    /// Starts the server, runs Herald, the floor and the peer taking turns, prints the table and the JSON line.
    private func measure(in folder: String) async throws {
        let console = Console(json: sides.json)
        let server = try ServerProcess(frames: 1)
        defer { server.stop() }
        let floor = noFloor ? nil : try CFloor.find()
        let peer = sides.noPeer ? nil : await PythonPeer.find(ScenarioPeers.trigger, folder: folder)
        console.say("herald-bench trigger: \(Format.grouped(Double(cycles))) cycles per side after \(warmup) warm-up per part, "
                    + "\(parts) part\(parts == 1 ? "" : "s") per side taking turns, one actor, server pid \(server.pid), port \(server.port)")

        var heraldRow = Row(label: "herald (POST → match decided)", latency: Latency(), cpu: 0)
        var floorRow = floor.map { _ in Row(label: "C floor: libcurl keep-alive POST only", latency: Latency(), cpu: 0) }
        var peerRow: Row?
        for n in turns(of: cycles, in: parts) {
            let h = try await TriggerHerald(folder: folder, port: server.port, warmup: warmup, cycles: n).run()
            heraldRow.latency.add(h.latency)
            heraldRow.cpu += h.cpu
            if let floor {
                let posts = try await floor.post(port: server.port, path: "/echo", count: warmup + n)
                for ns in posts.nanoseconds.dropFirst(warmup) { floorRow?.latency.record(nanoseconds: ns) }
                floorRow?.cpu += posts.cpu
            }
            if let peer {
                let report = try await peer.runScript([String(server.port), "ws://127.0.0.1:\(server.port)/ws/pushes", String(warmup),
                                                       String(n)], timeout: .seconds(120 + n / 20))
                guard let ns = report["ns"] as? [Int], ns.count == n, let cpu = report["cpu"] as? Double else {
                    throw BenchFailure("the Python peer did not report \(n) cycles")
                }
                if peerRow == nil {
                    peerRow = Row(label: peer.label(api: report["api"] as? String ?? "?") + " (POST → frame checked)", latency: Latency(), cpu: 0)
                }
                for v in ns { peerRow?.latency.record(nanoseconds: UInt64(max(0, v))) }
                peerRow?.cpu += cpu
            }
        }

        var rows = [["side", "p50 µs", "p90 µs", "p99 µs", "max µs", "> 1 ms", "CPU µs/cycle"]]
        for row in [heraldRow, floorRow, peerRow].compactMap({ $0 }) {
            rows.append([row.label] + [50.0, 90, 99].map { Format.fixed(row.latency.microseconds(at: $0), 1) }
                        + [Format.fixed(row.latency.maxMicroseconds, 1), Format.fixed(row.latency.share(above: 1_000) * 100, 1) + "%",
                           Format.fixed(row.cpu / Double(cycles) * 1e6, 1)])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        console.say()
        for r in rows { console.say(r.enumerated().map { c, cell in Format.pad(cell, widths[c], right: c > 0) }.joined(separator: "   ")) }
        console.say("""

            notes: herald = the step's request entry on the timeline → the next step starts (response checked, match passed);
                   python = before session.post → the frame parsed and its id checked; C floor = around curl_easy_perform,
                   no WebSocket open (nothing pushed). CPU: the process's own, over the measured cycles.
            """)
        if peer == nil && !sides.noPeer {
            console.say("no Python peer: \(PythonPeer.candidates.joined(separator: " nor ")) cannot import aiohttp; "
                        + "to compare, \(ScenarioPeers.trigger.installHint)")
        }
        console.emit(.object([
            ("scenario", .string("trigger")), ("cycles", .int(cycles)),
            ("herald", heraldRow.json(cycles: cycles, full: true)),
            ("python", peerRow?.json(cycles: cycles, full: true) ?? .null),
            ("curl_floor", floorRow?.json(cycles: cycles, full: false) ?? .null),
        ]))
    }
}
