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
        /// The script's part that subscribes, triggers, receives, and reports (after `PythonPeer.prelude`).
        let body: String
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
            guard let out = try? await runCaptured(candidate, ["-c", probe], timeout: .seconds(20)), out.status == 0 else { continue }
            let version = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let path = (folder as NSString).appendingPathComponent("peer-\(library.distribution).py")
            guard (try? (prelude + library.body).write(toFile: path, atomically: true, encoding: .utf8)) != nil else { return nil }
            return PythonPeer(library: library, interpreter: candidate, version: version, scriptPath: path)
        }
        return nil
    }

    /// Runs the peer once: it subscribes to `target` at `url`, triggers the burst at the burst server on
    /// `triggerPort`, and must receive and parse all `frames` frames, or this throws.
    func run(triggerPort: UInt16, url: String, target: String, frames: Int) async throws -> Measurement {
        let timeout = Duration.seconds(120 + frames / 1_000)
        let out = try await Self.runCaptured(interpreter, [scriptPath, String(triggerPort), url, target, String(frames)],
                                             timeout: timeout)
        guard out.status == 0,
              let data = out.stdout.split(separator: "\n").last.map({ Data($0.utf8) }),
              let report = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let wall = report["wall"] as? Double, let cpu = report["cpu"] as? Double,
              let received = report["frames"] as? Int, received == frames else {
            throw BenchFailure("""
                the Python peer failed (exit status \(out.status.map(String.init) ?? "none: killed after \(timeout)")); the measurement is void
                stdout: \(out.stdout.suffix(500))
                stderr: \(out.stderr.suffix(1500))
                """)
        }
        return Measurement(wall: .nanoseconds(Int64(wall * 1e9)), cpu: cpu, api: report["api"] as? String ?? "?")
    }

    /// Runs `executable` (looked up on PATH when it has no slash) and collects its output through temporary files;
    /// `status` is nil when it was killed after `timeout`.
    private static func runCaptured(_ executable: String, _ arguments: [String],
                                    timeout: Duration) async throws -> (status: Int32?, stdout: String, stderr: String) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("herald-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let outURL = folder.appendingPathComponent("out"), errURL = folder.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        let stdout = try FileHandle(forWritingTo: outURL), stderr = try FileHandle(forWritingTo: errURL)
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = FileHandle.nullDevice
        try Interruption.shared.launch(process)
        let exited = await ChildProcess.wait(for: process, timeout: timeout)
        Interruption.shared.stop(process, grace: .seconds(1))
        try? stdout.close()
        try? stderr.close()
        let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        return (exited ? process.terminationStatus : nil, read(outURL), read(errURL))
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

        def report(api, cpu0, t0):
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            print(json.dumps({"api": api, "frames": frames, "wall": wall, "cpu": cpu}))


        """#
}
