import Foundation
import HeraldCore

/// The comparison side: a Python client on the `websockets` library that only receives each frame and calls
/// `json.loads` on it. It triggers the burst itself, and reports its own wall and CPU time as JSON.
struct PythonPeer {
    /// The interpreter that can import `websockets`.
    let interpreter: String
    /// The `websockets` version it has.
    let version: String
    /// The script file.
    let scriptPath: String

    /// What one run measured.
    struct Measurement {
        /// Trigger → last frame parsed.
        var wall: Duration
        /// `time.process_time()` from before connecting until the last frame was parsed.
        var cpu: Double
        /// Which client API ran (`sync` with websockets ≥ 11, else `asyncio`).
        var api: String
    }

    /// The interpreters tried, in order.
    static let candidates = ["python3", "/usr/bin/python3"]

    /// How to get a peer when no interpreter can import `websockets`.
    static let installHint = "apt-get install python3-websockets (for /usr/bin/python3) or pip install websockets"

    /// The first candidate interpreter that can import `websockets`, with the script written into `folder`;
    /// nil when there is none. Installs nothing.
    static func find(folder: String) async -> PythonPeer? {
        for candidate in candidates {
            guard let out = try? await runCaptured(candidate, ["-c", "import websockets; print(websockets.__version__)"],
                                                   timeout: .seconds(20)),
                  out.status == 0 else { continue }
            let version = out.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let path = (folder as NSString).appendingPathComponent("peer.py")
            guard (try? script.write(toFile: path, atomically: true, encoding: .utf8)) != nil else { return nil }
            return PythonPeer(interpreter: candidate, version: version, scriptPath: path)
        }
        return nil
    }

    /// Runs the peer once against the server on `port`; throws unless it received and parsed all `frames` frames.
    func run(port: UInt16, frames: Int) async throws -> Measurement {
        let timeout = Duration.seconds(120 + frames / 1_000)
        let out = try await Self.runCaptured(interpreter, [scriptPath, String(port), String(frames)], timeout: timeout)
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
        try ChildProcess.launch(process)
        let exited = await ChildProcess.wait(for: process, timeout: timeout)
        if !exited { ChildProcess.stop(process, grace: .seconds(1)) }
        try? stdout.close()
        try? stderr.close()
        let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
        return (exited ? process.terminationStatus : nil, read(outURL), read(errURL))
    }

    /// The peer: connect, trigger the burst over HTTP, receive every frame and `json.loads` it, print one JSON line.
    static let script = #"""
        import json, sys, time, urllib.request
        import websockets

        port, frames = int(sys.argv[1]), int(sys.argv[2])
        url = f"ws://127.0.0.1:{port}/ws/ticks"

        def trigger():
            request = urllib.request.Request(f"http://127.0.0.1:{port}/burst", data=b'{"frames":%d}' % frames,
                                             method="POST", headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=10) as response:
                response.read()

        def report(api, cpu0, t0):
            wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
            print(json.dumps({"api": api, "frames": frames, "wall": wall, "cpu": cpu}))

        try:
            from websockets.sync.client import connect  # websockets >= 11
        except ImportError:
            connect = None

        if connect is not None:
            cpu0 = time.process_time()
            with connect(url, max_size=None, compression=None) as ws:
                t0 = time.perf_counter()
                trigger()
                for _ in range(frames):
                    json.loads(ws.recv())
                report("sync", cpu0, t0)
        else:
            import asyncio

            async def main():
                cpu0 = time.process_time()
                async with websockets.connect(url, max_size=None, compression=None) as ws:
                    t0 = time.perf_counter()
                    trigger()
                    for _ in range(frames):
                        json.loads(await ws.recv())
                    report("asyncio", cpu0, t0)

            asyncio.run(main())
        """#
}
