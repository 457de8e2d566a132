import ArgumentParser
import Foundation
import HeraldCore
#if canImport(Glibc)
import Glibc
#endif

/// `herald-bench ingest`: a local server bursts N JSON frames at one WebSocket; Herald receives them and judges them
/// against 100 event expectations, side by side with a Python `websockets` client that only parses them.
struct IngestCommand: AsyncParsableCommand {
    /// Help.
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Events/s and CPU of Herald ingesting one WebSocket burst, against a Python websockets peer.",
        discussion: """
            A burst server (this executable, `serve`, in a child process) sends N pre-encoded frames as fast as it can.
            Herald runs a generated contract through ContractLoader, Planner and Runner: one websocket channel, a
            POST /burst step with 100 expectations that must all pass. The peer receives the same burst and calls
            json.loads on each frame. Each side runs R times, interleaved; the table shows medians and the spread.
            """
    )

    /// Frames per burst.
    /// Frames per burst. The default keeps a Herald run near ten seconds on a small machine today; Herald takes about
    /// 0.4 ms per frame with 100 expectations, so 100_000 frames take about a minute per run.
    @Option(help: "Frames per burst.")
    var frames: Int = 20_000

    /// Runs per side.
    @Option(name: .customLong("repeat"), help: "Runs per side; the table shows the median.")
    var repetitions: Int = 3

    /// Skip the Python peer.
    @Flag(name: .customLong("no-peer"), help: "Measure Herald only.")
    var noPeer = false

    /// Rejects impossible options.
    func validate() throws {
        if frames < BurstContract.expectationCount * 2 { throw ValidationError("--frames must be at least \(BurstContract.expectationCount * 2)") }
        if repetitions < 1 { throw ValidationError("--repeat must be at least 1") }
    }

    /// Runs the benchmark and prints the table.
    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-ingest-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let server = try ServerProcess(frames: frames)
        defer { server.stop() }
        let herald = try HeraldSide(folder: folder, port: server.port, frames: frames)
        let peer = noPeer ? nil : await PythonPeer.find(folder: folder)
        let frameBytes = TickFeed.json(frames / 2).utf8.count

        print("herald-bench ingest: \(Format.grouped(Double(frames))) frames of ~\(frameBytes) bytes burst at one WebSocket "
              + "(server pid \(server.pid), port \(server.port)); Herald judges \(BurstContract.expectationCount) expectations")
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, shared and noisy; "
              + "figures are medians of \(repetitions) run\(repetitions == 1 ? "" : "s") per side, interleaved")

        var report = IngestReport(frames: frames)
        for round in 1...repetitions {
            let h = try await herald.run()
            report.add(h)
            var line = "  run \(round)/\(repetitions): herald last frame in at \(Format.fixed(h.toLastFrame.seconds, 3)) s, "
                + "\(Format.fixed(h.toDecided.seconds, 3)) s to decided, "
                + "\(Format.fixed(h.toEnd.seconds, 3)) s to end, CPU \(Format.fixed(h.cpuToDecided, 2))/\(Format.fixed(h.cpuToEnd, 2)) s"
            if let peer {
                let p = try await peer.run(port: server.port, frames: frames)
                report.add(p, from: peer)
                line += "; python \(Format.fixed(p.wall.seconds, 3)) s, CPU \(Format.fixed(p.cpu, 2)) s"
            }
            print(line)
        }
        print("")
        report.print()
        if peer == nil && !noPeer {
            print("no Python peer: neither \(PythonPeer.candidates.joined(separator: " nor ")) can import websockets; "
                  + "to compare, \(PythonPeer.installHint)")
        }
    }
}
