/// The contract the Herald side runs: the burst server as a service (and the broker as another, for a broker
/// transport), one actor, one channel of the transport's kind, a step that triggers the burst with 100 event
/// expectations, and a second step that marks the moment they are all decided.
///
/// Every expectation is decided as soon as its frame arrives (`match` and `sequence`, no `absent` or `count`, which
/// wait out their window), and each one must pass.
enum BurstContract {
    /// How many event expectations the burst step holds.
    static let expectationCount = 100
    /// The label of the step that follows the burst; when it starts, every expectation of the burst is decided.
    static let markerStep = "after the burst"

    /// The frame numbers the plain `match` expectations wait for: spread evenly over the burst, first and last included.
    static func matchedFrames(frames: Int) -> [Int] {
        let plain = expectationCount - 4
        return (0..<plain).map { k in k * (frames - 1) / (plain - 1) }
    }

    /// The YAML text of the contract for a burst server on `port` bursting `frames` frames over `transport`, through
    /// the broker at `brokerURL` for a broker transport.
    static func yaml(port: UInt16, frames: Int, transport: IngestTransport = .websocket, brokerURL: String? = nil) -> String {
        let last = frames - 1
        let third = frames / 3
        let twoThirds = 2 * frames / 3
        var events: [String] = matchedFrames(frames: frames).map { n in
            "      - { channel: ticks, match: { type: tick, n: \(n) } }"
        }
        events += [
            // A subsequence across the whole burst.
            "      - { channel: ticks, sequence: [ { n: 1 }, { n: \(frames / 2) }, { n: \(last) } ] }",
            // An operator: only the last frame has n ≥ last; on a broker, what it arrived on as well.
            "      - { channel: ticks,\(transport == .websocket ? "" : " subject: \(transport.publishTarget),") match: { type: tick, n: { $gte: \(last) } } }",
            // A JSONPath into the payload with a regular expression, plus the addressee.
            "      - { channel: ticks, match: { n: \(third), user: \"\(TickFeed.user(third))\", \"$.payload.symbol\": { $regex: \"^[A-Z]{4,5}$\" } } }",
            // A nested partial object with $one_of.
            "      - { channel: ticks, match: { type: tick, payload: { seq: \(twoThirds), side: { $one_of: [buy, sell] } } } }",
        ]
        let broker = brokerURL.map { "\n  \(transport.serviceName): \"\($0)\"" } ?? ""
        let channel = transport == .websocket
            ? "websocket: \"burst /ws/ticks\""
            : "\(transport.rawValue): \"\(transport.serviceName) \(transport.subscription)\"\(transport == .mqtt ? "\n    qos: 0" : "")"
        return """
            contract: herald-bench ingest burst
            description: A local server bursts \(frames) tick frames over \(transport.carrier); \(expectationCount) expectations judge them.
            defaults:
              within: 60s
            services:
              burst:
                url: "http://127.0.0.1:\(port)"
                health: /health\(broker)
            actors:
              watcher: {}
            channels:
              ticks:
                \(channel)
                for: [watcher]
            steps:
              - name: burst \(frames) frames
                http: POST burst /burst
                as: watcher
                json: { frames: \(frames) }
                expect: { status: 202 }
                events:
            \(events.joined(separator: "\n"))
              - name: \(markerStep)
                http: GET burst /health
                expect: { status: 200 }

            """
    }
}
