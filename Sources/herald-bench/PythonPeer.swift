import Foundation
import HeraldCore

/// The comparison side: a Python client on the usual library for the transport (`websockets`, `nats-py`, `redis`,
/// `paho-mqtt`) that only receives each frame and calls `json.loads` on it. It subscribes, triggers the burst itself
/// over HTTP, and reports its own wall and CPU time as JSON.
struct PythonPeer {
    /// The Python library a peer runs on.
    struct Library: Sendable {
        /// What `import` names.
        let module: String
        /// The distribution's name, whose version the label shows (`nats-py`).
        let distribution: String
        /// How to get it.
        let installHint: String
        /// The script's part that subscribes, triggers, receives, and reports (after `prelude`).
        let body: String
        /// What the script starts with: the ingest prelude (arguments, trigger, report), unless the body stands alone.
        var prelude: String = PythonPeer.prelude
    }

    /// The library.
    let library: Library
    /// The interpreter that can import it.
    let interpreter: String
    /// The version of the library it has.
    let version: String
    /// The script file.
    let scriptPath: String

    /// What one run measured.
    struct Measurement {
        /// Trigger → last frame parsed.
        var wall: Duration
        /// `time.process_time()` from before connecting until the last frame was parsed.
        var cpu: Double
        /// Which client API ran (`sync`, `asyncio`, …).
        var api: String
        /// The peer's own peak resident set (`VmHWM`) when the last frame was parsed, in KiB.
        var peakRSSKiB: Int?
    }

    /// The interpreters tried, in order.
    static let candidates = ["python3", "/usr/bin/python3"]

    /// The row label: "python nats-py 2.16.0 (asyncio)".
    func label(api: String) -> String { "python \(library.distribution) \(version) (\(api))" }

    /// The first candidate interpreter that can import `library`, with the script written into `folder`; nil when
    /// there is none. Installs nothing.
    static func find(_ library: Library, folder: String) async -> PythonPeer? {
        let probe = """
            import importlib
            module = importlib.import_module("\(library.module)")
            try:
                from importlib.metadata import version
                print(version("\(library.distribution)"))
            except Exception:
                print(getattr(module, "__version__", "?"))
            """
        for candidate in candidates {
            guard let out = try? await CapturedRun.run(candidate, ["-c", probe], timeout: .seconds(20)), out.status == 0 else { continue }
            let version = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let path = (folder as NSString).appendingPathComponent("peer-\(library.distribution).py")
            guard (try? (library.prelude + library.body).write(toFile: path, atomically: true, encoding: .utf8)) != nil else { return nil }
            return PythonPeer(library: library, interpreter: candidate, version: version, scriptPath: path)
        }
        return nil
    }

    /// Runs the peer once: it subscribes to `target` at `url`, triggers the burst at the burst server on
    /// `triggerPort`, and must receive and parse all `frames` frames, or this throws.
    func run(triggerPort: UInt16, url: String, target: String, frames: Int) async throws -> Measurement {
        let report = try await runScript([String(triggerPort), url, target, String(frames)], timeout: .seconds(120 + frames / 1_000))
        guard let wall = report["wall"] as? Double, let cpu = report["cpu"] as? Double,
              let received = report["frames"] as? Int, received == frames else {
            throw BenchFailure("the Python peer reported \(report), not all \(frames) frames; the measurement is void")
        }
        return Measurement(wall: .nanoseconds(Int64(wall * 1e9)), cpu: cpu, api: report["api"] as? String ?? "?",
                           peakRSSKiB: report["peak_rss_kib"] as? Int)
    }

    /// Runs the script with `arguments` and returns the JSON object on the last line of its output; throws, with its
    /// output, when it fails or prints no such line.
    func runScript(_ arguments: [String], timeout: Duration) async throws -> [String: Any] {
        let out = try await CapturedRun.run(interpreter, [scriptPath] + arguments, timeout: timeout)
        guard out.status == 0,
              let data = out.stdout.split(separator: "\n").last.map({ Data($0.utf8) }),
              let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw BenchFailure("""
                the Python peer failed (exit status \(out.status.map(String.init) ?? "none: killed after \(timeout)")); the measurement is void
                stdout: \(out.stdout.suffix(500))
                stderr: \(out.stderr.suffix(1500))
                """)
        }
        return report
    }

    /// What every peer script starts with: its arguments, the trigger, and the report line.
    static let prelude = #"""
        import json, sys, time, urllib.parse, urllib.request

        trigger_port, url, target, frames = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])

        def trigger():
            request = urllib.request.Request(f"http://127.0.0.1:{trigger_port}/burst", data=b'{"frames":%d}' % frames,
                                             method="POST", headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()

        def status_kib(field):
            with open("/proc/self/status") as status:
                for line in status:
                    if line.startswith(field + ":"):
                        return int(line.split()[1])
            return None

        def report(api, cpu0, t0):
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            print(json.dumps({"api": api, "frames": frames, "wall": wall, "cpu": cpu, "peak_rss_kib": status_kib("VmHWM")}))


        """#
}
