import Foundation

/// The C floors (`herald-bench-floor`, a target of this package built beside this executable), run as child
/// processes: what libwebsockets and libcurl do alone, with nothing of Herald's on top.
struct CFloor {
    /// The floor executable.
    let path: String

    /// The floor beside this executable; throws, saying how to build it, when it is missing.
    static func find() throws -> CFloor {
        let folder = (try ServerProcess.ownExecutable() as NSString).deletingLastPathComponent
        let path = (folder as NSString).appendingPathComponent("herald-bench-floor")
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw BenchFailure("no C floor at \(path): build it with `swift build -c release --product herald-bench` (it builds both)")
        }
        return CFloor(path: path)
    }

    /// One burst counted by the libwebsockets floor.
    struct Ingest {
        /// Trigger → last frame counted.
        var wall: Duration
        /// CPU seconds of the floor process, from just before it connects until the last frame.
        var cpu: Double
        /// Its peak resident set (`VmHWM`), in KiB.
        var peakRSSKiB: Int?
    }

    /// Sequential keep-alive POSTs by the libcurl floor.
    struct Posts {
        /// Each POST's duration, in nanoseconds, in order.
        var nanoseconds: [UInt64]
        /// CPU seconds of the floor process over all the POSTs.
        var cpu: Double
    }

    /// Connects to the WebSocket at `path` on the burst server on `port`, triggers a burst of `frames`, and counts it.
    func ingest(port: UInt16, path: String, frames: Int) async throws -> Ingest {
        let report = try await run(["ingest", String(port), path, String(frames)], timeout: .seconds(60 + frames / 1_000))
        guard let wall = report["wall"] as? Double, let cpu = report["cpu"] as? Double, report["frames"] as? Int == frames else {
            throw BenchFailure("the C floor reported \(report), not all \(frames) frames; the measurement is void")
        }
        return Ingest(wall: .nanoseconds(Int64(wall * 1e9)), cpu: cpu, peakRSSKiB: report["peak_rss_kib"] as? Int)
    }

    /// `count` sequential POSTs of `{"id":k}` to `path` on `port`, on one kept-alive connection.
    func post(port: UInt16, path: String, count: Int) async throws -> Posts {
        let report = try await run(["post", String(port), path, String(count)], timeout: .seconds(60 + count / 100))
        guard let ns = report["ns"] as? [Int], ns.count == count, let cpu = report["cpu"] as? Double else {
            throw BenchFailure("the C POST floor did not report \(count) durations; the measurement is void")
        }
        return Posts(nanoseconds: ns.map { UInt64(max(0, $0)) }, cpu: cpu)
    }

    /// Runs the floor with `arguments` and parses the JSON object on its last line of output.
    private func run(_ arguments: [String], timeout: Duration) async throws -> [String: Any] {
        let out = try await CapturedRun.run(path, arguments, timeout: timeout)
        guard out.status == 0,
              let line = out.stdout.split(separator: "\n").last,
              let report = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw BenchFailure("""
                the C floor failed (exit status \(out.status.map(String.init) ?? "none: killed after \(timeout)")); the measurement is void
                stderr: \(out.stderr.suffix(1500))
                """)
        }
        return report
    }
}
