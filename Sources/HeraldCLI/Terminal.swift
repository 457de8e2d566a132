import Foundation

/// Writing to the terminal: stdout for results, stderr for progress and errors.
enum Terminal {
    static var stdoutIsTTY: Bool { isatty(STDOUT_FILENO) == 1 }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    /// Colour only on a TTY, and never with `NO_COLOR` set.
    static var color: Bool { stdoutIsTTY && ProcessInfo.processInfo.environment["NO_COLOR"] == nil }

    static func out(_ s: String) {
        FileHandle.standardOutput.write(Data((s + "\n").utf8))
    }

    static func err(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// Rewrites the progress line on stderr (TTY only).
    static func progress(_ s: String) {
        guard stderrIsTTY else { return }
        let width = 100
        let line = s.count > width ? String(s.prefix(width - 1)) + "…" : s
        FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
    }

    static func clearProgress() {
        guard stderrIsTTY else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
