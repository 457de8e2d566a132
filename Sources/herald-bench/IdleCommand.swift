import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `herald-bench idle --connections N`: KiB of RSS per idle WebSocket connection, Herald (N actors through a
/// contract) against a Python `websockets` client holding N connections to the same quiet server.
struct IdleCommand: AsyncParsableCommand {
    /// Help.
    static let configuration = CommandConfiguration(
        commandName: "idle",
        abstract: "RSS per idle WebSocket connection: Herald holding N actors' connections, against a Python peer.",
        discussion: """
            The bench server (`serve --idle`, a child process) accepts WebSocket upgrades and parks every connection on \
            one epoll thread, quiet. Herald runs a generated contract: an actor with count: N, one websocket channel \
            for: it, a step that sleeps (VmRSS of this process is read during it) and a step that asks the server how \
            many connections it holds (it must be N). KiB per connection = (VmRSS with N open − VmRSS just before \
            Runner.run) ÷ N. The peer (Python websockets, asyncio) reads its own VmRSS the same way. The soft \
            open-file limit is raised to the hard limit first; the children inherit it. With --json the table goes to \
            stderr and stdout carries one line: {"scenario":"idle","connections":N,"herald":{"kib_per_connection":…}, \
            "python":{"kib_per_connection":…}|null}.
            """
    )

    /// Connections per side.
    @Option(help: "Idle WebSocket connections per side.")
    var connections: Int = 10_000

    /// How long RSS is read after the last connection opened.
    @Option(help: "Seconds between all connections open and reading RSS.")
    var settle: Double = 2

    /// The peer and output options.
    @OptionGroup var sides: SideOptions

    /// Descriptors kept free besides the connections (the server's listener, pipes, libraries' own).
    static let margin = 64

    /// Rejects impossible options.
    func validate() throws {
        if connections < 1 { throw ValidationError("--connections must be at least 1") }
        if settle <= 0 { throw ValidationError("--settle must be positive") }
    }

    /// Runs the benchmark.
    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let limit = ProcessMemory.raiseFileLimit()
        if connections + Self.margin > limit.soft {
            throw BenchFailure("""
                \(connections) connections need about \(connections + Self.margin) open files per process, but the limit here is \
                \(limit.soft) (hard limit \(limit.hard)); raise the hard limit (ulimit -Hn) or ask for fewer connections
                """)
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-idle-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await Interruption.shared.guarding(folder: folder) { try await measure(in: folder, fileLimit: limit.soft) }
    }

    /// Starts the server, runs Herald then the peer, prints the table and the JSON line.
    private func measure(in folder: String, fileLimit: Int) async throws {
        let console = Console(json: sides.json)
        let server = try ServerProcess(frames: 0, idle: true)
        defer { server.stop() }
        let settleTime = Duration.milliseconds(Int64(settle * 1000))
        let herald = try IdleHerald(folder: folder, port: server.port, connections: connections, settle: settleTime)
        let peer = sides.noPeer ? nil : await PythonPeer.find(ScenarioPeers.idle, folder: folder)
        console.say("herald-bench idle: \(Format.grouped(Double(connections))) idle WebSocket connections per side to one quiet "
                    + "server (pid \(server.pid), port \(server.port)); open-file limit \(fileLimit)")

        let h = try await herald.run()
        let heraldKiB = h.kibPerConnection(connections)
        var rows = [["side", "connections", "KiB/connection", "RSS before MiB", "RSS open MiB", "connect s"]]
        rows.append(["herald (\(connections) actors, one contract)", Format.grouped(Double(connections)), Format.fixed(heraldKiB, 2),
                     Format.fixed(Double(h.rssBeforeKiB) / 1024, 1), Format.fixed(Double(h.rssOpenKiB) / 1024, 1),
                     Format.fixed(h.connectTime.seconds, 2)])
        var peerKiB: Double?
        if let peer {
            try await Self.awaitClosed(port: server.port)
            let report = try await peer.runScript([String(server.port), "ws://127.0.0.1:\(server.port)/ws/idle", String(connections),
                                                   String(settle)], timeout: .seconds(120 + connections / 50))
            guard let before = report["rss_before_kib"] as? Int, let open = report["rss_open_kib"] as? Int,
                  report["connections"] as? Int == connections, report["open_on_server"] as? Int == connections else {
                throw BenchFailure("the Python peer did not hold \(connections) connections: \(report)")
            }
            let kib = Double(open - before) / Double(connections)
            peerKiB = kib
            rows.append([peer.label(api: report["api"] as? String ?? "?"), Format.grouped(Double(connections)), Format.fixed(kib, 2),
                         Format.fixed(Double(before) / 1024, 1), Format.fixed(Double(open) / 1024, 1),
                         Format.fixed(report["connect_s"] as? Double ?? 0, 2)])
        }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        console.say()
        for r in rows { console.say(r.enumerated().map { c, cell in Format.pad(cell, widths[c], right: c > 0) }.joined(separator: "   ")) }
        console.say("""

            notes: KiB/connection = (VmRSS with all connections open, read \(settle) s after the last one opened − VmRSS just
                   before connecting) ÷ connections. Herald's includes each actor instance's runner state; both sides checked
                   that the server held exactly \(connections) connections. 'connect s' = time to open them all.
            """)
        if peer == nil && !sides.noPeer {
            console.say("no Python peer: \(PythonPeer.candidates.joined(separator: " nor ")) cannot import websockets; "
                        + "to compare, \(ScenarioPeers.idle.installHint)")
        }
        console.emit(.object([
            ("scenario", .string("idle")), ("connections", .int(connections)),
            ("herald", .object([("kib_per_connection", .number(heraldKiB, places: 2))])),
            ("python", peerKiB.map { .object([("kib_per_connection", .number($0, places: 2))]) } ?? .null),
        ]))
    }

    /// Waits (up to 30 s) until the server holds no connection, so that the peer's count starts from zero (the ramp
    /// benchmark waits the same way between sides).
    static func awaitClosed(port: UInt16) async throws {
        for _ in 0..<300 {
            if LoopbackHTTP.openConnections(port: port) == 0 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchFailure("the server still holds \(LoopbackHTTP.openConnections(port: port) ?? -1) connections after Herald's run")
    }
}
