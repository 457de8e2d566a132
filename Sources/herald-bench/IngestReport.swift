/// The figures of an `ingest` benchmark, gathered run by run and printed as a table with a ratio line, and as one
/// JSON line with `--json`.
struct IngestReport {
    /// Frames per burst.
    let frames: Int
    /// What the burst went over.
    let transport: IngestTransport
    /// Herald: trigger → last frame received by the transport library, in seconds.
    private var lastFrame = Samples()
    /// Herald: trigger → all expectations decided.
    private var herald = Side()
    /// Herald: events/s, trigger → contract end.
    private var endRate = Samples()
    /// Herald: CPU seconds, the whole run.
    private var cpuEnd = Samples()
    /// The C floor (libwebsockets alone), for the WebSocket transport.
    private var floor = Side()
    /// The peer.
    private var peer = Side()
    /// The peer's label ("python websockets 17.4 (sync)") and interpreter, once it has run.
    private var peerName: (label: String, interpreter: String)?

    /// One side's runs: events/s, CPU seconds, peak RSS in KiB.
    private struct Side {
        /// Events per second.
        var rate = Samples()
        /// CPU seconds.
        var cpu = Samples()
        /// Peak resident set, KiB.
        var peakKiB = Samples()

        /// Adds one run of `frames` frames.
        mutating func add(frames: Int, wall: Double, cpu: Double, peakKiB: Int?) {
            rate.add(Double(frames) / wall)
            self.cpu.add(cpu)
            if let peakKiB { self.peakKiB.add(Double(peakKiB)) }
        }

        /// Whether any run was added.
        var measured: Bool { !rate.values.isEmpty }

        /// `{"events_per_s","cpu_us_per_event","peak_rss_mib"}`, medians; `null` when it never ran.
        func json(frames: Int) -> BenchJSON {
            guard measured else { return .null }
            return .object([
                ("events_per_s", .number(rate.median, places: 0)),
                ("cpu_us_per_event", .number(cpu.median / Double(frames) * 1e6, places: 3)),
                ("peak_rss_mib", peakKiB.values.isEmpty ? .null : .number(peakKiB.median / 1024, places: 1)),
            ])
        }
    }

    /// An empty report for bursts of `frames` frames over `transport`.
    init(frames: Int, transport: IngestTransport) {
        self.frames = frames
        self.transport = transport
    }

    /// Adds one Herald run.
    mutating func add(_ h: HeraldSide.Measurement) {
        lastFrame.add(h.toLastFrame.seconds)
        herald.add(frames: frames, wall: h.toDecided.seconds, cpu: h.cpuToDecided, peakKiB: h.peakRSSKiB)
        endRate.add(Double(frames) / h.toEnd.seconds)
        cpuEnd.add(h.cpuToEnd)
    }

    /// Adds one run of the C floor.
    mutating func add(_ f: CFloor.Ingest) {
        floor.add(frames: frames, wall: f.wall.seconds, cpu: f.cpu, peakKiB: f.peakRSSKiB)
    }

    /// Adds one peer run.
    mutating func add(_ p: PythonPeer.Measurement, from side: PythonPeer) {
        peer.add(frames: frames, wall: p.wall.seconds, cpu: p.cpu, peakKiB: p.peakRSSKiB)
        peerName = (side.label(api: p.api), side.interpreter)
    }

    /// The scenario's JSON line: medians over the runs; `floor` and `python` are null when they did not run.
    var json: BenchJSON {
        .object([
            ("scenario", .string("ingest")), ("transport", .string(transport.rawValue)), ("frames", .int(frames)),
            ("herald", herald.json(frames: frames)), ("floor", floor.json(frames: frames)), ("python", peer.json(frames: frames)),
        ])
    }

    /// Prints the table, the notes and, with a peer, the ratios.
    func print(to console: Console) {
        var rows: [[String]] = [["side", "frames", "events/s (median)", "min – max", "CPU s (median)", "CPU µs/event", "peak RSS MiB"]]
        func row(_ name: String, _ rate: Samples, _ cpu: Samples, _ peak: Samples?) {
            let rss = peak.flatMap { $0.values.isEmpty ? nil : Format.fixed($0.median / 1024, 1) } ?? "-"
            rows.append([name, Format.grouped(Double(frames)), Format.grouped(rate.median),
                         "\(Format.grouped(rate.min)) – \(Format.grouped(rate.max))", Format.fixed(cpu.median, 2),
                         Format.fixed(cpu.median / Double(frames) * 1e6, 2), rss])
        }
        row("herald, trigger → all decided", herald.rate, herald.cpu, herald.peakKiB)
        row("herald, trigger → contract end", endRate, cpuEnd, nil)
        if floor.measured { row("C floor: libwebsockets alone", floor.rate, floor.cpu, floor.peakKiB) }
        if let peerName { row(peerName.label, peer.rate, peer.cpu, peer.peakKiB) }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for r in rows {
            console.say(r.enumerated().map { c, cell in Format.pad(cell, widths[c], right: c > 0) }.joined(separator: "   "))
        }
        console.say("""

            notes: 'all decided' = the step after the burst starts (all \(BurstContract.expectationCount) expectations passed);
                   'contract end' = Runner.run returned (connections closed, the verdicts collected).
                   Herald CPU counts from the start of Runner.run, the peer's and the floor's from just before they connect.
                   Peak RSS: VmHWM of the receiving process (Herald: this process, peak reset before each run).
                   \(transport.library) had received the last frame \(Format.fixed(lastFrame.median, 3)) s after the trigger (median);
                   the rest of Herald's time is its own processing of the frames.
            """)
        if floor.measured {
            console.say("ratio herald ÷ C floor: events/s \(Format.fixed(herald.rate.median / floor.rate.median, 3))×, "
                        + "CPU \(Format.fixed(herald.cpu.median / floor.cpu.median, 1))×")
        }
        guard let peerName else { return }
        console.say("ratio herald ÷ python (\(peerName.interpreter)): "
                    + "events/s \(Format.fixed(herald.rate.median / peer.rate.median, 3))× "
                    + "(to contract end \(Format.fixed(endRate.median / peer.rate.median, 3))×), "
                    + "CPU \(Format.fixed(herald.cpu.median / peer.cpu.median, 1))× "
                    + "(to contract end \(Format.fixed(cpuEnd.median / peer.cpu.median, 1))×)")
    }
}
