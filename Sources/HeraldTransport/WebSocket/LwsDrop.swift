import CLibWebSockets

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why an open connection ended without a Close frame, told from the state of its TCP socket.
///
/// lws reports a reset, an end of stream and its own failures alike (`LWS_CALLBACK_CLIENT_CLOSED` with nothing in
/// it), but in that callback the socket is still open, and the kernel knows: after a reset it is CLOSED, after the
/// server's FIN it is CLOSE_WAIT.
enum LwsDrop {
    /// The close reason of a dropped connection: `connection lost`, with what the socket says.
    static func reason(_ wsi: OpaquePointer, _ session: WebSocketSession) -> String {
        let middle = session.assembling ? " in the middle of a message" : ""
        switch tcpState(wsi) {
        case 7:  // TCP_CLOSE
            return "connection lost: the server reset it (TCP RST)\(middle)"
        case 8:  // TCP_CLOSE_WAIT
            return "connection lost: the server closed TCP without a Close frame\(middle)"
        default:
            return "connection lost"
        }
    }

    /// Whether the connection's TCP socket is still ESTABLISHED (neither reset nor closed by the server).
    static func isEstablished(_ wsi: OpaquePointer) -> Bool { tcpState(wsi) == 1 }

    /// The Linux TCP state of the connection's socket (`tcpi_state`), nil when it cannot be read.
    private static func tcpState(_ wsi: OpaquePointer) -> Int? {
        #if os(Linux)
        let fd = Int32(lws_get_socket_fd(wsi))
        guard fd >= 0 else { return nil }
        var info = tcp_info()
        var size = socklen_t(MemoryLayout<tcp_info>.size)
        guard getsockopt(fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &size) == 0 else { return nil }
        return Int(info.tcpi_state)
        #else
        return nil
        #endif
    }
}
