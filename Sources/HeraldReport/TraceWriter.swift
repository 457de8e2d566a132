import Foundation
import HeraldCore
import Synchronization

/// `--trace FILE`: every timeline entry as one line of JSON, written the moment it is recorded, so that a run that
/// dies leaves everything up to its last moment behind. At the end come the verdicts and a closing line.
///
/// Lines: `{"type":"entry","contract":…,"seq":…,"tMs":…,"actor":…,"channel":…,"event":{…}}`, then
/// `{"type":"verdict",…}` per verdict, then `{"type":"end","status":…,"exitCode":…,"partial":…}`.
/// Entries reach it masked (the runner masks each live entry as it leaves), so the trace holds no secret the reports
/// would not.
public final class TraceWriter: Sendable {
    private let fd: Mutex<Int32>
    /// The file being written.
    public let path: String

    /// Creates (or truncates) the trace file.
    public init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw TraceError(description: "cannot write the trace to \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.fd = Mutex(fd)
    }

    deinit { close() }

    private struct EntryLine: Encodable {
        var type = "entry"
        var contract: String
        var seq: Int
        var tMs: Double
        var actor: String?
        var channel: String?
        var event: TimelineEvent
    }

    private struct VerdictLine: Encodable {
        var type = "verdict"
        var verdict: Verdict
    }

    private struct EndLine: Encodable {
        var type = "end"
        var runId: String
        var status: String
        var exitCode: Int32
        var partial: Bool
    }

    /// Appends one timeline entry.
    public func write(_ live: LiveEntry) {
        append(EntryLine(contract: live.contract, seq: live.entry.seq, tMs: live.tMs, actor: live.entry.actor,
                         channel: live.entry.channel, event: live.entry.event))
    }

    /// Appends the verdicts and the closing line, then closes the file.
    public func finish(_ result: RunResult, context: ReportContext) {
        for v in result.contracts.flatMap(\.verdicts) { append(VerdictLine(verdict: v)) }
        let exit = context.exitStatus(of: result)
        append(EndLine(runId: context.runID, status: JSONReport.Summary.statusName(exit), exitCode: exit.rawValue,
                       partial: result.isPartial))
        close()
    }

    /// Closes the file; later writes are dropped.
    public func close() {
        fd.withLock { fd in
            if fd >= 0 { _ = Glibc.close(fd) }
            fd = -1
        }
    }

    private func append(_ line: some Encodable) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var data = try? encoder.encode(line) else { return }
        data.append(0x0A)
        fd.withLock { fd in
            guard fd >= 0 else { return }
            // One write(2) per line on an O_APPEND file: the line reaches the kernel whole, whatever happens next.
            data.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                    if n < 0 { if errno == EINTR { continue } else { return } }
                    offset += n
                }
            }
        }
    }
}

/// The trace file could not be written.
public struct TraceError: Error, CustomStringConvertible {
    /// One line for people.
    public var description: String
}
