import CCurl
import HeraldCore
import Synchronization

/// One event stream's thread: a curl multi handle running one transfer at a time, its callbacks feeding an
/// `SSEParser`, and the reconnect loop.
///
/// The thread sleeps in `curl_multi_poll`, which `stop()` interrupts with `curl_multi_wakeup`, so a close never
/// waits for the network or for a reconnect delay.
///
/// `@unchecked Sendable` is sound: the parser and the per-transfer fields (everything under "Thread only") are
/// touched only on the worker thread, which also runs every curl callback; what other threads share is behind a
/// `Mutex` (`multi`, `shared`), an `Atomic` (`stopRequested`), or Sendable itself (the continuation and the
/// one-shots). The multi handle is woken only under the lock that its cleanup also takes.
final class SSEWorker: @unchecked Sendable {
    /// A curl multi handle, shared only to wake it up (`curl_multi_wakeup` may be called from any thread).
    private struct Multi: @unchecked Sendable { let raw: UnsafeMutableRawPointer }

    /// What the response headers decided.
    private enum Decision {
        case stream
        case wrongContentType(String?)
        case httpStatus(Int)
    }

    /// How one transfer ended.
    private enum Outcome {
        case stopped
        /// Never became an event stream.
        case failed(SSEError, status: Int?)
        /// Was an event stream, then ended.
        case ended(reason: String, at: MonotonicInstant)
    }

    /// The smallest and largest wait before reconnecting.
    static let retryFloor = Duration.milliseconds(50), retryCeiling = Duration.seconds(30)
    static let defaultRetry = Duration.seconds(1)
    /// How much of a non-200 body is kept for the error, and how long to wait for it after the headers.
    static let errorBodyLimit = 512, errorBodyWait = Duration.milliseconds(250)

    let url: String
    let options: SSEOptions
    private let continuation: EventQueue<SSEStreamEvent>
    /// Settled when the first response is an event stream, or failed.
    let ready = OneShot<Result<Void, any Error>>()
    /// Settled when the thread has ended and freed its handles.
    let finished = OneShot<Void>()
    private let stopRequested = Atomic<Bool>(false)
    private let multi = Mutex<Multi?>(nil)
    private let shared: Mutex<String?>

    // Thread only.
    private var parser: SSEParser
    private var everOpened = false
    private var down = false
    private var responseHeaders: [HTTPHeader] = []
    private var responseStatus = 0
    private var decision: Decision?
    private var headersAt = MonotonicInstant.now()
    private var errorBody: [UInt8] = []

    init(options: SSEOptions, url: String, continuation: EventQueue<SSEStreamEvent>) {
        self.options = options
        self.url = url
        self.continuation = continuation
        parser = SSEParser(lastEventID: options.lastEventID)
        shared = Mutex(parser.lastEventID)
    }

    /// The last event ID seen (or given in the options).
    var lastEventID: String? { shared.withLock { $0 } }

    /// Starts the thread; false when the system refused one.
    func start() -> Bool {
        guard let thread = OSThread(name: "herald-sse", stackSize: 512 * 1024, { [self] in run() }) else { return false }
        thread.detach()
        return true
    }

    /// Asks the thread to stop now: the transfer is abandoned, the stream finished. Idempotent.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        multi.withLock { m in
            if let m { _ = curl_multi_wakeup(m.raw) }
        }
    }

    private var stopping: Bool { stopRequested.load(ordering: .acquiring) }

    // MARK: - The thread

    private func run() {
        defer {
            continuation.finish()
            ready.complete(.failure(SSEError.closed(url: url)))
            finished.complete(())
        }
        guard let handle = curl_multi_init() else {
            ready.complete(.failure(SSEError.system("curl_multi_init failed", url: url)))
            return
        }
        multi.withLock { $0 = Multi(raw: handle) }
        defer {
            multi.withLock { $0 = nil }
            curl_multi_cleanup(handle)
        }
        while !stopping {
            switch transfer(handle) {
            case .stopped:
                return
            case .failed(let error, let status):
                if !everOpened {
                    ready.complete(.failure(error))
                    return
                }
                // A reconnect that did not work: the stream stays down. 204 means "stop reconnecting".
                if status == 204 { return }
            case .ended(let reason, let at):
                parser.finish()
                if !down {
                    down = true
                    continuation.yield(.disconnected(reason: reason, at: at))
                }
                if !options.reconnect { return }
            }
            let retry = min(max(parser.reconnectionTime ?? Self.defaultRetry, Self.retryFloor), Self.retryCeiling)
            if !sleep(retry, handle) { return }
        }
    }

    /// Sleeps `duration` in `curl_multi_poll` (no transfer is added), or until `stop()`. False when stopped.
    private func sleep(_ duration: Duration, _ handle: UnsafeMutableRawPointer) -> Bool {
        let deadline = MonotonicInstant.now().advanced(by: duration)
        while !stopping {
            let left = MonotonicInstant.now().duration(to: deadline)
            if left <= .zero { return true }
            _ = curl_multi_poll(handle, nil, 0, Int32(min(1000, max(1, left.milliseconds.rounded(.up)))), nil)
        }
        return false
    }

    /// One connection, from the request to its end.
    private func transfer(_ handle: UnsafeMutableRawPointer) -> Outcome {
        responseHeaders = []
        responseStatus = 0
        decision = nil
        errorBody = []
        guard let easy = curl_easy_init() else { return .failed(.system("curl_easy_init failed", url: url), status: nil) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: herald_curl_error_size())
        errorBuffer.initialize(to: 0)
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer {
            curl_multi_remove_handle(handle, easy)
            curl_easy_cleanup(easy)
            curl_slist_free_all(headerList)
            errorBuffer.deallocate()
        }
        headerList = configure(easy, errorBuffer: errorBuffer)
        guard curl_multi_add_handle(handle, easy) == CURLM_OK else {
            return .failed(.system("curl_multi_add_handle failed", url: url), status: nil)
        }
        let started = MonotonicInstant.now()
        while true {
            var running: Int32 = 0
            _ = curl_multi_perform(handle, &running)
            if stopping { return .stopped }
            if let code = Self.completion(handle) {
                return ended(code, detail: Self.text(errorBuffer, code))
            }
            var waitMs = 1000.0
            switch decision {
            case .httpStatus(let status)?:
                let waited = headersAt.duration(to: .now())
                if errorBody.count >= Self.errorBodyLimit || waited >= Self.errorBodyWait {
                    return .failed(.httpStatus(status, body: bodyStart(), url: url), status: status)
                }
                waitMs = (Self.errorBodyWait - waited).milliseconds
            case nil:
                let waited = started.duration(to: .now())
                if waited >= options.connectTimeout {
                    return .failed(.timeout(after: options.connectTimeout, url: url), status: nil)
                }
                waitMs = min(waitMs, (options.connectTimeout - waited).milliseconds)
            case .stream?, .wrongContentType?:
                break
            }
            _ = curl_multi_poll(handle, nil, 0, Int32(max(1, waitMs.rounded(.up))), nil)
            if stopping { return .stopped }
        }
    }

    /// The outcome of a transfer that curl finished with `code`.
    private func ended(_ code: CURLcode, detail: String) -> Outcome {
        let at = MonotonicInstant.now()
        switch decision {
        case .stream?:
            let reason = code == CURLE_OK ? "the server ended the stream" : detail
            return .ended(reason: reason, at: at)
        case .wrongContentType(let type)?:
            return .failed(.wrongContentType(type, url: url), status: 200)
        case .httpStatus(let status)?:
            return .failed(.httpStatus(status, body: bodyStart(), url: url), status: status)
        case nil:
            return .failed(Self.error(code, detail: detail, url: url, timeout: options.connectTimeout), status: nil)
        }
    }

    private func bodyStart() -> String {
        String(decoding: errorBody.prefix(Self.errorBodyLimit), as: UTF8.self)
            .trimmingSpaceAndNewlines()
    }

    // MARK: - Request

    private func configure(_ easy: UnsafeMutableRawPointer, errorBuffer: UnsafeMutablePointer<CChar>)
        -> UnsafeMutablePointer<curl_slist>? {
        herald_curl_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer)
        herald_curl_setopt_string(easy, CURLOPT_URL, options.url)
        herald_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        herald_curl_setopt_long(easy, CURLOPT_HTTPGET, 1)
        herald_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(options.connectTimeout.milliseconds.rounded(.up))))
        herald_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1)
        herald_curl_setopt_long(easy, CURLOPT_MAXREDIRS, 5)
        herald_curl_setopt_long(easy, CURLOPT_TCP_NODELAY, 1)
        herald_curl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        if options.tls.insecure {
            herald_curl_setopt_long(easy, CURLOPT_SSL_VERIFYPEER, 0)
            herald_curl_setopt_long(easy, CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let ca = options.tls.caFile { herald_curl_setopt_string(easy, CURLOPT_CAINFO, ca) }

        var list: UnsafeMutablePointer<curl_slist>?
        let given = Set(options.headers.map { $0.name.lowercased() })
        var lines: [String] = []
        if !given.contains("accept") { lines.append("Accept: text/event-stream") }
        if !given.contains("cache-control") { lines.append("Cache-Control: no-cache") }
        if !given.contains("last-event-id"), let id = parser.lastEventID { lines.append("Last-Event-ID: \(id)") }
        lines += options.headers.map { $0.value.isEmpty ? "\($0.name);" : "\($0.name): \($0.value)" }
        for line in lines { list = curl_slist_append(list, line) }
        herald_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, list)

        let me = Unmanaged.passUnretained(self).toOpaque()  // the thread holds the worker while curl runs
        herald_curl_setopt_data_callback(easy, CURLOPT_WRITEFUNCTION, sseWriteBody)
        herald_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        herald_curl_setopt_data_callback(easy, CURLOPT_HEADERFUNCTION, sseWriteHeader)
        herald_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        return list
    }

    // MARK: - Callbacks (worker thread)

    /// One header line. Returns false to abort the transfer.
    fileprivate func header(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let line = String(decoding: bytes, as: UTF8.self).trimmingSpaceAndNewlines()
        if line.hasPrefix("HTTP/") {
            // A new response (a redirect hop or an interim 1xx): "HTTP/1.1 200 OK", "HTTP/2 200".
            responseHeaders = []
            responseStatus = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
            return true
        }
        if !line.isEmpty {
            if let colon = line.firstIndex(of: ":") {
                let name = String(line[..<colon])
                let value = String(line[line.index(after: colon)...]).trimmingSpaceAndNewlines()
                responseHeaders.append(HTTPHeader(name, value))
            }
            return true
        }
        // The end of a response's headers.
        let status = responseStatus
        if (100..<200).contains(status) { return true }
        if (300..<400).contains(status), header("location") != nil { return true }  // curl follows it
        headersAt = .now()
        guard status == 200 else {
            decision = .httpStatus(status)
            return true
        }
        let type = header("content-type")
        let mediaType = type?.split(separator: ";").first.map { String($0).trimmingSpaceAndNewlines().lowercased() }
        guard mediaType == "text/event-stream" else {
            decision = .wrongContentType(type)
            return false
        }
        decision = .stream
        if !everOpened {
            everOpened = true
            ready.complete(.success(()))
        } else if down {
            down = false
            continuation.yield(.reconnected(at: headersAt))
        }
        return true
    }

    /// Body bytes. Returns false to abort the transfer.
    fileprivate func body(_ bytes: UnsafeRawBufferPointer) -> Bool {
        switch decision {
        case .stream?:
            let before = parser.lastEventID
            for event in parser.feed(bytes, receivedAt: .now()) { continuation.yield(.event(event)) }
            if parser.lastEventID != before {
                let id = parser.lastEventID
                shared.withLock { $0 = id }
            }
            return true
        case .httpStatus?:
            errorBody.append(contentsOf: bytes.prefix(Self.errorBodyLimit - errorBody.count))
            return errorBody.count < Self.errorBodyLimit
        case .wrongContentType?:
            return false
        case nil:
            return true  // the body of a response curl follows past (a redirect)
        }
    }

    private func header(_ name: String) -> String? {
        let wanted = name.lowercased()
        return responseHeaders.last { $0.name.lowercased() == wanted }?.value
    }

    // MARK: - curl helpers

    /// The result of the finished transfer, if it has finished.
    private static func completion(_ handle: UnsafeMutableRawPointer) -> CURLcode? {
        var left: Int32 = 0
        while let message = curl_multi_info_read(handle, &left) {
            if message.pointee.msg == CURLMSG_DONE { return message.pointee.data.result }
        }
        return nil
    }

    private static func text(_ buffer: UnsafeMutablePointer<CChar>, _ code: CURLcode) -> String {
        let detail = String(cString: buffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    static func error(_ code: CURLcode, detail: String, url: String, timeout: Duration) -> SSEError {
        switch code {
        case CURLE_COULDNT_CONNECT:
            let generic = detail.hasSuffix("Connection refused") || detail.hasSuffix("Couldn't connect to server")
            return .refused(generic ? nil : detail, url: url)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .dnsFailure(detail, url: url)
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout(after: timeout, detail: detail, url: url)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidURL(detail, url: url)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_SSL_CRL_BADFILE:
            return .tlsFailure(detail, url: url)
        default:
            return .transfer(detail, url: url)
        }
    }
}

// C callbacks: global functions, because a C function pointer cannot capture.

private func sseWorker(_ userdata: UnsafeMutableRawPointer?) -> SSEWorker? {
    userdata.map { Unmanaged<SSEWorker>.fromOpaque($0).takeUnretainedValue() }
}

private func sseWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                          _ userdata: UnsafeMutableRawPointer?) -> Int {
    let n = size * count
    guard let worker = sseWorker(userdata), let data else { return n }
    return worker.body(UnsafeRawBufferPointer(start: data, count: n)) ? n : 0
}

private func sseWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                            _ userdata: UnsafeMutableRawPointer?) -> Int {
    let n = size * count
    guard let worker = sseWorker(userdata), let data else { return n }
    return worker.header(UnsafeRawBufferPointer(start: data, count: n)) ? n : 0
}
