import CLibWebSockets
import HeraldCore

/// The protocol callback of every Herald lws context. lws calls it on the service thread only.
///
/// A C function pointer cannot capture, so the engine is found through the context's user pointer, and the
/// connection through the attempt token stored as the connection's opaque user data.
func heraldLwsCallback(_ wsi: OpaquePointer?, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
                       _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
    guard let wsi, LwsEngineCore.handles(reason),
          let context = lws_get_context(wsi), let raw = lws_context_user(context) else { return 0 }
    let core = Unmanaged<LwsEngineCore>.fromOpaque(raw).takeUnretainedValue()
    return core.handle(wsi, reason, user, input, len)
}

/// The connect-deadline timer of every Herald lws context; lws calls it on the service thread.
///
/// The timer is the `lws_sorted_usec_list_t` at the start of the core's `deadlineTimer` block, whose next word
/// is the core's address.
func heraldLwsDeadlineTimer(_ sul: UnsafeMutablePointer<lws_sorted_usec_list_t>?) {
    guard let sul else { return }
    let raw = UnsafeRawPointer(sul).load(fromByteOffset: LwsEngineCore.timerOffsetOfCore, as: UnsafeRawPointer.self)
    Unmanaged<LwsEngineCore>.fromOpaque(raw).takeUnretainedValue().deadlinesDue()
}

extension LwsEngineCore {
    /// The reasons Herald acts on; every other callback returns 0 without touching the wsi.
    static func handles(_ reason: lws_callback_reasons) -> Bool {
        switch reason {
        case LWS_CALLBACK_EVENT_WAIT_CANCELLED, LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER,
             LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH, LWS_CALLBACK_CLIENT_ESTABLISHED, LWS_CALLBACK_CLIENT_CONNECTION_ERROR, LWS_CALLBACK_CLIENT_RECEIVE,
             LWS_CALLBACK_CLIENT_RECEIVE_PONG, LWS_CALLBACK_CLIENT_WRITEABLE, LWS_CALLBACK_WS_PEER_INITIATED_CLOSE,
             LWS_CALLBACK_WS_CLIENT_DROP_PROTOCOL, LWS_CALLBACK_CLIENT_CLOSED, LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION,
             LWS_CALLBACK_WSI_DESTROY:
            return true
        default:
            return false
        }
    }

    func handle(_ wsi: OpaquePointer, _ reason: lws_callback_reasons, _ user: UnsafeMutableRawPointer?,
                _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
        if reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED {
            drainInbox()
            return 0
        }
        guard let session = session(forOpaque: lws_get_opaque_user_data(wsi)) else { return 0 }
        // Callbacks can run inside lws_client_connect_via_info, before it returned the wsi.
        if session.wsi == nil { session.wsi = wsi }
        guard session.wsi == wsi else { return 0 }

        switch reason {
        case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER:
            session.upgradeSent = true
            return appendHeaders(session, input, len)
        case LWS_CALLBACK_CLIENT_FILTER_PRE_ESTABLISH:
            // The response headers are still attached here; by ESTABLISHED lws may have released them.
            session.acceptedSubprotocol = Self.header(wsi, WSI_TOKEN_PROTOCOL)
            return 0
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            return established(session, wsi)
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            let status = Int(lws_http_client_http_response(wsi))
            forgetAttempt(session.token)
            if session.phase == .connecting {
                attemptFailed(session, status: status, message: Self.text(input, len))
            }
            return 0
        case LWS_CALLBACK_CLIENT_RECEIVE:
            return received(session, wsi, input, len)
        case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
            session.continuation.yield(.pong(at: .now()))
            return 0
        case LWS_CALLBACK_CLIENT_WRITEABLE:
            return writeable(session, wsi)
        case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
            if let violation = Self.closeViolation(input, len) { return fail(session, wsi, violation) }
            session.peerClose = Self.closePayload(input, len)
            return 0
        case LWS_CALLBACK_WS_CLIENT_DROP_PROTOCOL:
            // lws is closing the connection. When neither side asked and the TCP connection is still up, lws failed
            // it itself, for a frame it rejected: the Close frame it sends next says so (1002), and which rule the
            // frame broke when lws logged it.
            let noted = LwsFrameViolations.take()
            if session.phase == .open, session.localClose == nil, session.peerClose == nil, !shuttingDown,
               LwsDrop.isEstablished(wsi) {
                _ = fail(session, wsi, noted ?? .rejectedFrame)
            }
            return 0
        case LWS_CALLBACK_CLIENT_CLOSED:
            closed(session, wsi)
            return 0
        case LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION:
            // `user` is the X509_STORE_CTX; 0 keeps OpenSSL's verdict unless we cleared the error.
            if session.tls.insecure, let user { herald_lws_accept_certificate(user) }
            return 0
        case LWS_CALLBACK_WSI_DESTROY:
            // Normally CONNECTION_ERROR or CLIENT_CLOSED came first and the token is gone already.
            switch session.phase {
            case .connecting:
                forgetAttempt(session.token)
                attemptFailed(session, status: 0, message: "connection destroyed")
            case .open:
                endSession(session, code: nil, reason: LwsDrop.reason(wsi, session), initiatedLocally: false)
            case .ended:
                break
            }
            session.wsi = nil
            return 0
        default:
            return 0
        }
    }

    // MARK: - Handshake

    private func appendHeaders(_ session: WebSocketSession, _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
        guard let input else { return 0 }
        var room = len
        var headers = session.headers
        if !headers.contains(where: { $0.name.lowercased() == "user-agent" }) {
            headers.append(HTTPHeader("User-Agent", HeraldVersion.userAgent))
        }
        for header in headers {
            let written = header.name.withCString { name in
                header.value.withCString { value in herald_lws_append_header(input, room, name, value) }
            }
            if written < 0 { return -1 }
            room -= Int(written)
        }
        return 0
    }

    private func established(_ session: WebSocketSession, _ wsi: OpaquePointer) -> Int32 {
        let status = Int(lws_http_client_http_response(wsi))
        let handshake = Handshake(status: status == 0 ? 101 : status, subprotocol: session.acceptedSubprotocol ?? Self.header(wsi, WSI_TOKEN_PROTOCOL))
        deadlineSettled()
        releaseSlot(session)
        session.phase = .open
        session.releaseConnectState()
        guard session.outcome.complete(.success(handshake)) else {
            // The caller gave up (deadline or cancellation) just before: drop the connection quietly.
            forgetAttempt(session.token)
            session.token = 0
            session.wsi = nil
            session.phase = .ended
            session.outbox.markEnded()
            session.continuation.finish()
            forgetSession(session.id)
            return -1
        }
        return 0
    }

    // MARK: - Receiving

    /// A piece of a message: delivered once the message is whole. A text message that is not UTF-8 fails the
    /// connection with 1007, a message over the session's size limit with 1009 (RFC 6455 §8.1, §7.4.1); returns -1
    /// then, which makes lws send the Close frame and drop the connection.
    private func received(_ session: WebSocketSession, _ wsi: OpaquePointer, _ input: UnsafeMutableRawPointer?, _ len: Int) -> Int32 {
        let at = MonotonicInstant.now()
        let chunk = UnsafeRawBufferPointer(start: input, count: input == nil ? 0 : len)
        let complete = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0
        if !session.assembling {
            let binary = lws_frame_is_binary(wsi) != 0
            if complete {
                // The common case: a whole message in one callback.
                if chunk.count > session.maxMessageSize { return fail(session, wsi, .messageTooBig(limit: session.maxMessageSize)) }
                if !binary, !Self.isUTF8(chunk) { return fail(session, wsi, .textNotUTF8) }
                session.continuation.yield(.message(WebSocketMessage(bytes: Array(chunk), isText: !binary, receivedAt: at)))
                return 0
            }
            session.assembling = true
            session.assemblingBinary = binary
            session.assembly = []
        }
        if session.assembly.count + chunk.count > session.maxMessageSize {
            session.assembly = []
            return fail(session, wsi, .messageTooBig(limit: session.maxMessageSize))
        }
        session.assembly.append(contentsOf: chunk)
        if complete {
            let bytes = session.assembly
            session.assembly = []
            session.assembling = false
            if !session.assemblingBinary, !bytes.withUnsafeBytes({ Self.isUTF8($0) }) {
                return fail(session, wsi, .textNotUTF8)
            }
            session.continuation.yield(.message(WebSocketMessage(bytes: bytes, isText: !session.assemblingBinary, receivedAt: at)))
        }
        return 0
    }

    /// Whether `bytes` are valid UTF-8.
    static func isUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        // ASCII, the common case, needs no decoding.
        if !bytes.contains(where: { $0 >= 0x80 }) { return true }
        return String(validating: bytes.bindMemory(to: UInt8.self), as: UTF8.self) != nil
    }

    /// Fails the connection for the server's `violation` (RFC 6455 §7.1.7): a Close frame with its code and
    /// description. Returns -1, which makes lws send the frame and drop the connection.
    private func fail(_ session: WebSocketSession, _ wsi: OpaquePointer, _ violation: WebSocketViolation) -> Int32 {
        close(session, wsi, code: violation.closeCode, violation.description)
    }

    /// Closes the connection from Herald's side (asked for, or for a protocol violation of the server's): a Close
    /// frame with `code` and `reason` (at most 123 bytes), and the session ends with them, closed locally.
    private func close(_ session: WebSocketSession, _ wsi: OpaquePointer, code: Int, _ reason: String) -> Int32 {
        session.localClose = (code, reason)
        var bytes = Array(reason.utf8.prefix(123))
        let count = bytes.count
        bytes.withUnsafeMutableBufferPointer { b in
            lws_close_reason(wsi, lws_close_status(rawValue: UInt32(truncatingIfNeeded: code)), b.baseAddress, count)
        }
        return -1
    }

    // MARK: - Writing

    private func writeable(_ session: WebSocketSession, _ wsi: OpaquePointer) -> Int32 {
        switch session.outbox.next() {
        case .frame(let frame):
            let written: Int32
            switch frame {
            case .text(let bytes): written = write(bytes, LWS_WRITE_TEXT, wsi)
            case .binary(let bytes): written = write(bytes, LWS_WRITE_BINARY, wsi)
            case .ping: written = write([], LWS_WRITE_PING, wsi)
            }
            if written < 0 { return -1 }
            if session.outbox.hasMore { lws_callback_on_writable(wsi) }
            return 0
        case .close(let code, let reason):
            return close(session, wsi, code: code, reason)
        case .nothing:
            return 0
        }
    }

    /// Writes one frame with `LWS_PRE` bytes of headroom. Returns lws_write's result (negative on failure).
    private func write(_ payload: [UInt8], _ kind: lws_write_protocol, _ wsi: OpaquePointer) -> Int32 {
        let pre = herald_lws_pre()
        let needed = pre + payload.count
        if writeBuffer.count < needed {
            writeBuffer = [UInt8](repeating: 0, count: max(needed, 4096))
        }
        return writeBuffer.withUnsafeMutableBufferPointer { buffer in
            let start = buffer.baseAddress! + pre
            payload.withUnsafeBufferPointer { p in
                if let base = p.baseAddress { start.update(from: base, count: p.count) }
            }
            return lws_write(wsi, start, payload.count, kind)
        }
    }

    // MARK: - Closing

    private func closed(_ session: WebSocketSession, _ wsi: OpaquePointer) {
        if let local = session.localClose {
            endSession(session, code: local.code, reason: local.reason, initiatedLocally: true)
        } else if let peer = session.peerClose {
            endSession(session, code: peer.code, reason: peer.reason, initiatedLocally: false)
        } else if shuttingDown {
            endSession(session, code: nil, reason: "the WebSocket engine shut down", initiatedLocally: true)
        } else {
            endSession(session, code: nil, reason: LwsDrop.reason(wsi, session), initiatedLocally: false)
        }
    }

    // MARK: - Helpers

    /// What is wrong with a Close frame's payload, if anything (RFC 6455 §5.5.1, §7.4). lws 4.1.6 has replaced most
    /// invalid codes (below 1000, 1004–1006, 1012–1015, 1016–2999) with 1002 before Herald sees them, and answers
    /// with that; the codes it lets through (5000 and up) and the reason are checked here.
    static func closeViolation(_ input: UnsafeMutableRawPointer?, _ len: Int) -> WebSocketViolation? {
        guard let input, len > 0 else { return nil }
        if len == 1 { return .closePayloadOneByte }
        let bytes = UnsafeRawBufferPointer(start: input, count: len)
        let code = Int(bytes[0]) << 8 | Int(bytes[1])
        if !WebSocketViolation.isValidCloseCode(code) { return .invalidCloseCode(code) }
        if !isUTF8(UnsafeRawBufferPointer(rebasing: bytes[2...])) { return .closeReasonNotUTF8 }
        return nil
    }

    /// The code and reason of a close frame's payload (1005 when it carried no code).
    static func closePayload(_ input: UnsafeMutableRawPointer?, _ len: Int) -> (code: Int, reason: String) {
        guard let input, len >= 2 else { return (1005, "") }
        let bytes = UnsafeRawBufferPointer(start: input, count: len)
        let code = Int(bytes[0]) << 8 | Int(bytes[1])
        return (code, String(decoding: bytes[2...], as: UTF8.self))
    }

    /// A C message of at most `len` bytes (stopping at a NUL).
    static func text(_ input: UnsafeMutableRawPointer?, _ len: Int) -> String {
        guard let input, len > 0 else { return "" }
        let bytes = UnsafeRawBufferPointer(start: input, count: len)
        return String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// A response header of the handshake, if present.
    static func header(_ wsi: OpaquePointer, _ token: lws_token_indexes) -> String? {
        let length = Int(lws_hdr_total_length(wsi, token))
        guard length > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: length + 1)
        let copied = lws_hdr_copy(wsi, &buffer, Int32(buffer.count), token)
        guard copied >= 0 else { return nil }
        return String(decoding: buffer.prefix(Int(copied)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
