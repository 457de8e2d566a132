import Foundation
import HeraldCore
import Synchronization
import Testing

/// What a real WebSocket server (Python `websockets`) sees of Herald: its User-Agent, and a Close frame with 1000
/// when the contract ends, rather than a dropped TCP connection.
@Suite("WebSocket close at the end of a contract")
struct WebSocketCloseTests {
    /// Prints `port N`, then for each connection, once it has ended, `close <code> <User-Agent>`.
    static let server = """
        import asyncio, websockets
        async def main():
            async def handler(ws):
                try:
                    async for _ in ws:
                        pass
                except Exception:
                    pass
                print("close", ws.close_code, ws.request.headers.get("User-Agent"), flush=True)
            async with websockets.serve(handler, "127.0.0.1", 0) as server:
                print("port", server.sockets[0].getsockname()[1], flush=True)
                await asyncio.sleep(120)
        asyncio.run(main())
        """

    /// The lines a child process has printed so far.
    final class Lines: Sendable {
        let text = Mutex("")
        var all: [String] { text.withLock { $0.split(separator: "\n").map(String.init) } }

        /// The first line starting with `prefix`, waiting for it until `deadline`.
        func first(_ prefix: String, within limit: Duration) async throws -> String {
            let deadline = ContinuousClock.now + limit
            while ContinuousClock.now < deadline {
                if let line = all.first(where: { $0.hasPrefix(prefix) }) { return line }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw SetupFailure("no '\(prefix)' line within \(limit); the server printed: \(all)")
        }
    }

    @Test("the server gets a Close frame with 1000 and Herald's User-Agent when the contract ends")
    func closesWith1000() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.server]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        let lines = Lines()
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            lines.text.withLock { $0 += String(decoding: data, as: UTF8.self) }
        }
        try ChildProcess.launch(process)
        defer {
            ChildProcess.stop(process)
            pipe.fileHandleForReading.readabilityHandler = nil
        }
        let portLine: String
        do {
            portLine = try await lines.first("port ", within: .seconds(30))
        } catch {
            if lines.all.joined().contains("No module named 'websockets'") {
                throw SetupFailure("the Python module websockets is missing: python3 -m pip install websockets (scripts/setup does it)")
            }
            throw error
        }
        let port = String(portLine.dropFirst(5))
        let run = try await herald(["run", "run/websocket-close.yaml"], in: Paths.fixtures,
                                   environment: ["WS_URL": "ws://127.0.0.1:\(port)"])
        #expect(run.status == 0, "\(run)")
        let close = try await lines.first("close ", within: .seconds(30))
        #expect(close == "close 1000 herald/\(HeraldVersion.version)", "\(lines.all)")
    }
}
