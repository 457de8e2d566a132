/// The figures of an `ingest` benchmark, gathered run by run and printed as a table with a ratio line.
struct IngestReport {
    /// Frames per burst.
    let frames: Int
    /// What the burst went over.
    let transport: IngestTransport
    /// Herald: trigger → last frame received by the transport library, in seconds.
    private var lastFrame = Samples()
    /// Herald: events/s, trigger → all expectations decided.
    private var decidedRate = Samples()
    /// Herald: events/s, trigger → contract end.
    private var endRate = Samples()
    /// Herald: CPU seconds, run start → all decided.
    private var cpuDecided = Samples()
    /// Herald: CPU seconds, the whole run.
    private var cpuEnd = Samples()
    /// The peer: events/s.
    private var peerRate = Samples()
    /// The peer: CPU seconds.
    private var peerCPU = Samples()
    /// The peer's label ("python websockets 17.4 (sync)") and interpreter, once it has run.
    private var peer: (label: String, interpreter: String)?

    /// An empty report for bursts of `frames` frames over `transport`.
    init(frames: Int, transport: IngestTransport) {
        self.frames = frames
        self.transport = transport
    }

    /// Adds one Herald run.
    mutating func add(_ h: HeraldSide.Measurement) {
        lastFrame.add(h.toLastFrame.seconds)
        decidedRate.add(Double(frames) / h.toDecided.seconds)
        endRate.add(Double(frames) / h.toEnd.seconds)
        cpuDecided.add(h.cpuToDecided)
        cpuEnd.add(h.cpuToEnd)
    }

    /// Adds one peer run.
    mutating func add(_ p: PythonPeer.Measurement, from side: PythonPeer) {
        peerRate.add(Double(frames) / p.wall.seconds)
        peerCPU.add(p.cpu)
        peer = (side.label(api: p.api), side.interpreter)
    }

    /// Prints the table, the notes and, with a peer, the ratios.
    func print() {
        var rows: [[String]] = [["side", "frames", "events/s (median)", "min – max", "CPU s (median)"]]
        func row(_ name: String, _ rate: Samples, _ cpu: Samples) {
            rows.append([name, Format.grouped(Double(frames)), Format.grouped(rate.median),
                         "\(Format.grouped(rate.min)) – \(Format.grouped(rate.max))", Format.fixed(cpu.median, 2)])
        }
        row("herald, trigger → all decided", decidedRate, cpuDecided)
        row("herald, trigger → contract end", endRate, cpuEnd)
        if let peer { row(peer.label, peerRate, peerCPU) }
        let widths = (0..<rows[0].count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for r in rows {
            Swift.print(r.enumerated().map { c, cell in Format.pad(cell, widths[c], right: c > 0) }.joined(separator: "   "))
        }
        Swift.print("""

            notes: 'all decided' = the step after the burst starts (all \(BurstContract.expectationCount) expectations passed);
                   'contract end' = Runner.run returned (connections closed, the verdicts collected).
                   Herald CPU counts from the start of Runner.run, the peer's from before it connects.
                   \(transport.library) had received the last frame \(Format.fixed(lastFrame.median, 3)) s after the trigger (median);
                   the rest of Herald's time is its own processing of the frames.
            """)
        guard let peer else { return }
        Swift.print("ratio herald ÷ python (\(peer.interpreter)): "
                    + "events/s \(Format.fixed(decidedRate.median / peerRate.median, 3))× "
                    + "(to contract end \(Format.fixed(endRate.median / peerRate.median, 3))×), "
                    + "CPU \(Format.fixed(cpuDecided.median / peerCPU.median, 1))× "
                    + "(to contract end \(Format.fixed(cpuEnd.median / peerCPU.median, 1))×)")
    }
}
