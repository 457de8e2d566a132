#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which framing rule a server broke, when libwebsockets itself failed the connection for it.
///
/// lws 4.1.6 checks the frame header byte by byte in `lws_ws_client_rx_sm` and, on a violation, returns -1: the
/// connection is dropped with no Close frame, and no callback says why. The one trace is an info or warning log line
/// ("illegal rsv bits set", …), logged on the service thread in the same call that then closes the connection. So
/// the log sink notes the violation for its thread, and `LWS_CALLBACK_WS_CLIENT_DROP_PROTOCOL` of that connection,
/// which follows on the same thread before anything else is parsed, takes it, early enough to set the Close frame
/// (1002) lws then sends.
///
/// Best effort by design: lws 4.1.6 (built with `LWS_MAX_SMP` 1) formats every log line in one static buffer, so
/// when several engines' threads log at the same moment a line can be overwritten before it is read. The violation
/// is then reported as `rejectedFrame`, or as the one the other engine's line names, still with 1002. A run keeps to
/// one engine (contracts run with `--jobs` and a load run's flows share it), which never races.
enum LwsFrameViolations {
    /// The lines of lws 4.1.6's client parser (lib/roles/ws/client-parser-ws.c) and what each one means.
    private static let lines: [(prefix: String, violation: WebSocketViolation)] = [
        ("illegal rsv bits set", .reservedBits),
        ("illegal opcode", .reservedOpcode),
        ("disordered continuation", .orphanContinuation),
        ("hey you owed us a FIN", .newMessageInsideFragmented),
        ("control msg can't be fragmented", .fragmentedControl),
        ("Control frame asking for extended length is illegal", .controlTooLong),
        ("b63 of length must be zero", .lengthTooLarge),
    ]

    /// Per-thread slot: the index in `lines` plus one, or nil.
    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Called for every info and warning line lws logs, on the thread that logs it.
    static func note(_ line: UnsafePointer<CChar>) {
        // Cheap rejection: every line above starts with one of these letters.
        switch UInt8(bitPattern: line[0]) {
        case UInt8(ascii: "i"), UInt8(ascii: "d"), UInt8(ascii: "h"), UInt8(ascii: "c"), UInt8(ascii: "C"),
             UInt8(ascii: "b"):
            break
        default:
            return
        }
        for (i, entry) in lines.enumerated() where strncmp(line, entry.prefix, entry.prefix.utf8.count) == 0 {
            pthread_setspecific(key, UnsafeRawPointer(bitPattern: i + 1))
            return
        }
    }

    /// The violation this thread's lws noted last, which is then forgotten.
    static func take() -> WebSocketViolation? {
        guard let raw = pthread_getspecific(key) else { return nil }
        pthread_setspecific(key, nil)
        return lines[Int(bitPattern: raw) - 1].violation
    }
}
