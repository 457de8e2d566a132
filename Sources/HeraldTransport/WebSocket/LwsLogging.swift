import CLibWebSockets

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// libwebsockets logs to stderr by default. Herald reports failures itself, so lws stays silent unless
/// `HERALD_LWS_LOG` holds a log-level bitmask (e.g. `HERALD_LWS_LOG=7` for errors, warnings and notices).
enum LwsLogging {
    /// Applies the log level once per process.
    static func configure() { _ = applied }

    private static let applied: Void = {
        let level = getenv("HERALD_LWS_LOG").flatMap { Int32(String(cString: $0)) } ?? 0
        lws_set_log_level(level, nil)
    }()
}
