import CLibWebSockets

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libwebsockets logs to stderr by default. Herald reports failures itself, so lws stays silent unless
/// `HERALD_LWS_LOG` holds a log-level bitmask (e.g. `HERALD_LWS_LOG=7` for errors, warnings and notices).
///
/// Herald still reads lws's info and warning lines, through `heraldLwsLog`: lws 4.1.6 fails a connection whose server
/// breaks the framing rules (reserved bits, opcodes, fragmentation, control frames) without telling its user why,
/// and these lines are the only place it says which rule (see `LwsFrameViolations`).
enum LwsLogging {
    /// Applies the log level once per process.
    static func configure() { _ = applied }

    /// The levels the user asked to see on stderr.
    static let shown: Int32 = getenv("HERALD_LWS_LOG").flatMap { Int32(String(cString: $0)) } ?? 0

    private static let applied: Void = {
        lws_set_log_level(shown | Int32(LLL_WARN) | Int32(LLL_INFO), heraldLwsLog)
    }()
}

/// lws's log sink: notes a framing violation for the thread that logged it, and shows the levels asked for.
func heraldLwsLog(_ level: Int32, _ line: UnsafePointer<CChar>?) {
    guard let line else { return }
    if level & (Int32(LLL_WARN) | Int32(LLL_INFO)) != 0 { LwsFrameViolations.note(line) }
    if level & LwsLogging.shown != 0 { lwsl_emit_stderr(level, line) }
}
