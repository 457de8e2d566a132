import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The burst server as a child process: this very executable, re-invoked as `herald-bench serve`. With a broker
/// transport it is the publisher: connected to the broker before it says its port.
final class ServerProcess {
    /// The child.
    private let process: Process
    /// Kept open so that the child sees end-of-file on stdin only when this process is gone.
    private let stdin = Pipe()
    /// The loopback port it listens on.
    let port: UInt16

    /// Starts the server for bursts of `frames` frames over `transport` (published to the broker at `brokerURL`,
    /// for a broker transport), or an idle server with `idle`, and waits for it to say its port.
    init(frames: Int, transport: IngestTransport = .websocket, brokerURL: String? = nil, idle: Bool = false) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.ownExecutable())
        process.arguments = ["serve", "--frames", String(frames), "--transport", transport.rawValue]
            + (brokerURL.map { ["--broker", $0] } ?? []) + (idle ? ["--idle"] : [])
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardInput = stdin
        try Interruption.shared.launch(process)
        var line: [UInt8] = []
        let reader = stdout.fileHandleForReading
        while !line.contains(10) {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let port = UInt16(text) else {
            Interruption.shared.stop(process, grace: .seconds(1))
            throw ServerError("the burst server did not say its port (it printed '\(text)'; its error output, if any, is above)")
        }
        self.port = port
    }

    /// The child's process id.
    var pid: Int32 { process.processIdentifier }

    /// Stops the child.
    func stop() { Interruption.shared.stop(process, grace: .seconds(2)) }

    /// The path of this executable, from `/proc/self/exe`.
    static func ownExecutable() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { throw ServerError("cannot read /proc/self/exe: \(String(cString: strerror(errno)))") }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
