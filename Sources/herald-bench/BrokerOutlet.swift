import Foundation
// Herald's own broker clients. herald-bench reaches this module through HeraldRunner; Package.swift does not list it
// as a direct dependency of the target.
import HeraldTransport

/// The broker side of the burst server: a burst is every frame published to the broker, on Herald's own clients
/// (libnats, hiredis, libmosquitto), as fast as they take them. The payloads are built once, up front.
final class BrokerOutlet: BurstOutlet {
    /// How many frames one burst holds.
    let frameCount: Int
    /// The payload bytes of one burst (the protocols' framing not counted).
    let byteCount: Int
    /// Publishes one burst and waits until the client has handed it to the broker.
    private let publish: @Sendable () async throws -> Void

    /// How many `PUBLISH` commands go in one Redis pipeline.
    private static let redisBatch = 1_000
    /// How long publishing one burst may take.
    private static let deadline = Duration.seconds(120)

    /// Connects to the broker of `transport` at `url` and prepares bursts of `frames` frames.
    init(_ transport: IngestTransport, url: String, frames: Int) async throws {
        let texts = (0..<frames).map(TickFeed.json)
        let payloads = texts.map { Array($0.utf8) }
        let target = transport.publishTarget
        let deadline = Self.deadline
        frameCount = frames
        byteCount = payloads.reduce(0) { $0 + $1.count }
        switch transport {
        case .websocket:
            throw BenchFailure("a WebSocket burst has no broker")
        case .nats:
            let connection = try await NATSConnection.connect(NATSOptions(url: url, name: "herald-bench publisher"))
            publish = {
                for payload in payloads { try connection.publish(target, payload: payload) }
                try await connection.flush(timeout: deadline)
            }
        case .redis:
            let connection = try await RedisConnection.connect(RedisOptions(url: url))
            let batches = stride(from: 0, to: frames, by: Self.redisBatch).map { start in
                texts[start..<min(start + Self.redisBatch, frames)].map { ["PUBLISH", target, $0] }
            }
            publish = {
                for batch in batches {
                    let replies = try await connection.pipeline(batch, timeout: deadline)
                    if let error = replies.lazy.compactMap(\.errorMessage).first { throw BenchFailure("PUBLISH failed: \(error)") }
                }
            }
        case .mqtt:
            let connection = try await MQTTConnection.connect(MQTTOptions(url: url, acknowledgementTimeout: deadline))
            publish = {
                for payload in payloads { try await connection.publish(target, payload: payload, qos: 0) }
            }
        }
    }

    /// A broker always takes a burst.
    func prepareBurst() -> Result<@Sendable () -> Void, BurstUnavailable> {
        .success { [publish] in
            // The trigger's connection thread is not one of the concurrency pool's: it may wait for the task.
            let done = DispatchSemaphore(value: 0)
            Task {
                do {
                    try await publish()
                } catch {
                    FileHandle.standardError.write(Data("herald-bench serve: publishing the burst failed: \(error)\n".utf8))
                }
                done.signal()
            }
            done.wait()
        }
    }
}
