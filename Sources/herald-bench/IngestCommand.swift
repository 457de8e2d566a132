import ArgumentParser
import Foundation
import HeraldCore
#if canImport(Glibc)
import Glibc
#endif

/// `herald-bench ingest [--transport websocket|nats|redis|mqtt]`: a burst of N JSON frames reaches one subscriber —
/// straight over a WebSocket, or published through a broker the bench starts — and Herald judges them against 100
/// event expectations, side by side with a Python client on the usual library for the transport that only parses them.
struct IngestCommand: AsyncParsableCommand {
    /// Help.
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Events/s and CPU of Herald ingesting one burst (WebSocket, NATS, Redis or MQTT), against a Python peer.",
        discussion: """
            A burst server (this executable, `serve`, in a child process) sends N pre-encoded frames as fast as it can \
            when triggered with POST /burst: over the WebSocket it serves itself, or published with Herald's own clients \
            to a broker that the bench starts on a free loopback port (nats-server, redis-server or mosquitto) and \
            always stops. Herald runs a generated contract through ContractLoader, Planner and Runner: one channel of \
            the transport's kind, a POST /burst step with 100 expectations that must all pass. The peer (Python \
            websockets, nats-py, redis or paho-mqtt) subscribes, triggers the same burst, and calls json.loads on each \
            frame. For the WebSocket transport a C floor (herald-bench-floor: libwebsockets alone, counting frames) \
            runs too. Each side runs R times, interleaved; the table shows medians and the spread. With --json the \
            table goes to stderr and stdout carries one JSON line: {"scenario":"ingest","transport",…,"frames",…, \
            "herald":{"events_per_s","cpu_us_per_event","peak_rss_mib"},"floor":{…}|null,"python":{…}|null}.
            """
    )

    /// What the burst goes over.
    @Option(help: "What the burst goes over: straight over a WebSocket, or through a broker the bench starts.")
    var transport: IngestTransport = .websocket

    /// Frames per burst. The default keeps one scenario (three runs a side) well under a minute on a small machine:
    /// Herald takes a few tens of microseconds per frame with 100 expectations.
    @Option(help: "Frames per burst.")
    var frames: Int = 20_000

    /// Runs per side.
    @Option(name: .customLong("repeat"), help: "Runs per side; the table shows the median.")
    var repetitions: Int = 3

    /// The peer and output options.
    @OptionGroup var sides: SideOptions

    /// Skip the C floor.
    @Flag(name: .customLong("no-floor"), help: "Skip the C floor (WebSocket transport only).")
    var noFloor = false

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
        try await Interruption.shared.guarding(folder: folder) { try await measure(in: folder) }
    }

    /// Starts the broker (for a broker transport) and the burst server, runs both sides in turn, and prints the table;
    /// stops the children again, also on an error.
    private func measure(in folder: String) async throws {
        let broker = transport.brokerExecutable == nil ? nil : try BrokerProcess(transport, folder: folder)
        defer { broker?.stop() }
        let server = try ServerProcess(frames: frames, transport: transport, brokerURL: broker?.url)
        defer { server.stop() }
        let herald = try HeraldSide(folder: folder, contract: BurstContract.yaml(port: server.port, frames: frames,
                                                                                 transport: transport, brokerURL: broker?.url))
        let library = transport.peerLibrary
        let peer = sides.noPeer ? nil : await PythonPeer.find(library, folder: folder)
        let floor = noFloor || transport != .websocket ? nil : try CFloor.find()
        let console = Console(json: sides.json)
        // What the peer subscribes to: the WebSocket of the burst server, or the broker.
        let peerURL = broker?.url ?? "ws://127.0.0.1:\(server.port)\(transport.subscription)"
        let frameBytes = TickFeed.json(frames / 2).utf8.count

        let route = if let broker {
            "published to \(transport.carrier), pid \(broker.pid.map(String.init) ?? "-"), port \(broker.port), by the burst server (pid \(server.pid))"
        } else {
            "burst at \(transport.carrier) (server pid \(server.pid), port \(server.port))"
        }
        console.say("herald-bench ingest: \(Format.grouped(Double(frames))) frames of ~\(frameBytes) bytes \(route); "
              + "Herald judges \(BurstContract.expectationCount) expectations")
        console.say("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, shared and noisy; "
              + "figures are medians of \(repetitions) run\(repetitions == 1 ? "" : "s") per side, interleaved")

        var report = IngestReport(frames: frames, transport: transport)
        for round in 1...repetitions {
            let h = try await herald.run()
            report.add(h)
            var line = "  run \(round)/\(repetitions): herald last frame in at \(Format.fixed(h.toLastFrame.seconds, 3)) s, "
                + "\(Format.fixed(h.toDecided.seconds, 3)) s to decided, "
                + "\(Format.fixed(h.toEnd.seconds, 3)) s to end, CPU \(Format.fixed(h.cpuToDecided, 2))/\(Format.fixed(h.cpuToEnd, 2)) s"
            if let floor {
                let f = try await floor.ingest(port: server.port, path: transport.subscription, frames: frames)
                report.add(f)
                line += "; C floor \(Format.fixed(f.wall.seconds, 3)) s, CPU \(Format.fixed(f.cpu, 2)) s"
            }
            if let peer {
                let p = try await peer.run(triggerPort: server.port, url: peerURL, target: transport.subscription, frames: frames)
                report.add(p, from: peer)
                line += "; python \(Format.fixed(p.wall.seconds, 3)) s, CPU \(Format.fixed(p.cpu, 2)) s"
            }
            console.say(line)
        }
        console.say()
        report.print(to: console)
        console.emit(report.json)
        if peer == nil && !sides.noPeer {
            console.say("no Python peer: neither \(PythonPeer.candidates.joined(separator: " nor ")) can import \(library.module); "
                  + "to compare, \(library.installHint)")
        }
    }
}
