import CCurl
import HeraldCore
import Synchronization

/// One transfer on an easy handle: what curl's callbacks collect, and what curl borrows from it (the header list,
/// the error buffer) until the transfer ends. Lives on the thread that runs the transfer.
final class TransferSink {
    var body: [UInt8] = []
    var headers: [HTTPHeader] = []
    let job: CurlJob
    /// Where curl writes its error text.
    let errorBuffer: UnsafeMutablePointer<CChar>
    /// The request's header lines, which curl reads until the transfer ends.
    var headerList: UnsafeMutablePointer<curl_slist>?
    /// When the transfer was handed to curl.
    var startedAt = MonotonicInstant.now()

    init(job: CurlJob) {
        self.job = job
        // A response has a handful of headers: room for them at once, rather than growing one at a time.
        headers.reserveCapacity(8)
        let size = herald_curl_error_size()
        errorBuffer = .allocate(capacity: size)
        errorBuffer.initialize(repeating: 0, count: size)
    }

    deinit {
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }
}

/// Runs one `HTTPRequest` on a reusable easy handle: `prepare` sets the handle up, curl runs the transfer
/// (`curl_easy_perform` on a worker thread, or a multi handle on an execution thread), `finish` reads the outcome.
enum CurlTransfer {
    /// Runs `job` to its end, blocking the caller (worker threads only).
    static func perform(_ job: CurlJob, on handle: UnsafeMutableRawPointer) -> Result<HTTPResponse, any Error> {
        let sink = prepare(job, on: handle, checksCancellation: true)
        let code = withExtendedLifetime(sink) { curl_easy_perform(handle) }
        return finish(sink, code: code, on: handle)
    }

    /// Sets `handle` up for `job`; the sink must outlive the transfer. With `checksCancellation`, curl's progress
    /// callback aborts the transfer once the job is cancelled (a blocking `curl_easy_perform` has no other way to
    /// stop); a multi handle's owner removes a cancelled transfer itself, and spares curl the callback.
    static func prepare(_ job: CurlJob, on handle: UnsafeMutableRawPointer, checksCancellation: Bool) -> TransferSink {
        let request = job.request
        curl_easy_reset(handle)  // keeps the handle's live connections, DNS and TLS session caches

        let sink = TransferSink(job: job)
        let sinkPointer = Unmanaged.passUnretained(sink).toOpaque()
        herald_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, sink.errorBuffer)
        herald_curl_setopt_string(handle, CURLOPT_URL, request.url)
        herald_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        let timeoutMs = max(1, Int(request.timeout.milliseconds.rounded(.up)))
        herald_curl_setopt_long(handle, CURLOPT_TIMEOUT_MS, timeoutMs)
        herald_curl_setopt_long(handle, CURLOPT_FOLLOWLOCATION, request.followRedirects ? 1 : 0)
        herald_curl_setopt_long(handle, CURLOPT_MAXREDIRS, 10)

        setMethodAndBody(request, handle)
        sink.headerList = makeHeaderList(request)
        herald_curl_setopt_slist(handle, CURLOPT_HTTPHEADER, sink.headerList)
        // A User-Agent among the request's headers replaces this one.
        herald_curl_setopt_string(handle, CURLOPT_USERAGENT, HeraldVersion.userAgent)

        if request.tls.insecure {
            herald_curl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0)
            herald_curl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0)
        }
        if let ca = request.tls.caFile {
            herald_curl_setopt_string(handle, CURLOPT_CAINFO, ca)
        }

        herald_curl_setopt_data_callback(handle, CURLOPT_WRITEFUNCTION, curlWriteBody)
        herald_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, sinkPointer)
        herald_curl_setopt_data_callback(handle, CURLOPT_HEADERFUNCTION, curlWriteHeader)
        herald_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, sinkPointer)
        if checksCancellation {
            herald_curl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
            herald_curl_setopt_xferinfo_callback(handle, curlProgress)
            herald_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, sinkPointer)
        }
        sink.startedAt = MonotonicInstant.now()
        return sink
    }

    /// The response, or the error, of a transfer that ended with `code`.
    static func finish(_ sink: TransferSink, code: CURLcode, on handle: UnsafeMutableRawPointer) -> Result<HTTPResponse, any Error> {
        let finishedAt = MonotonicInstant.now()
        let request = sink.job.request
        if code != CURLE_OK {
            if code == CURLE_ABORTED_BY_CALLBACK, sink.job.isCancelled { return .failure(CancellationError()) }
            let detail = String(cString: sink.errorBuffer)
            let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
            return .failure(CurlErrors.transportError(code, url: request.url, timeout: request.timeout, detail: message))
        }
        var status = 0
        herald_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.body,
                                     timings: timings(handle), startedAt: sink.startedAt, finishedAt: finishedAt))
    }

    private static func setMethodAndBody(_ request: HTTPRequest, _ handle: UnsafeMutableRawPointer) {
        // Contracts write methods in capitals: only another spelling is copied.
        let method = request.method.utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") })
            ? request.method.uppercased() : request.method
        switch method {
        case "GET" where request.body == nil:
            herald_curl_setopt_long(handle, CURLOPT_HTTPGET, 1)
        case "HEAD":
            herald_curl_setopt_long(handle, CURLOPT_NOBODY, 1)
        default:
            herald_curl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, method)
        }
        let body = request.body ?? (method == "POST" || method == "PUT" || method == "PATCH" ? [] : nil)
        if let body {
            herald_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
            // COPYPOSTFIELDS: curl keeps its own copy, so the Swift array need not outlive this call.
            if body.isEmpty {
                herald_curl_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            } else {
                body.withUnsafeBytes { _ = herald_curl_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, $0.baseAddress) }
            }
        }
    }

    private static func makeHeaderList(_ request: HTTPRequest) -> UnsafeMutablePointer<curl_slist>? {
        var list: UnsafeMutablePointer<curl_slist>?
        var expect = false, contentType = false
        for header in request.headers {
            expect = expect || named(header.name, "expect")
            contentType = contentType || named(header.name, "content-type")
            // The line is written into a buffer of its own size: curl copies it.
            let name = header.name.utf8, value = header.value.utf8
            let size = name.count + (value.isEmpty ? 1 : 2 + value.count)
            list = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size + 1) { line in
                var at = line.initialize(fromContentsOf: name)
                if value.isEmpty {
                    line[at] = UInt8(ascii: ";")
                } else {
                    line[at] = UInt8(ascii: ":")
                    line[at + 1] = UInt8(ascii: " ")
                    at = line[(at + 2)...].initialize(fromContentsOf: value)
                }
                line[size] = 0
                return line.withMemoryRebound(to: CChar.self) { curl_slist_append(list, $0.baseAddress) }
            }
        }
        // Send exactly what the contract says: no `Expect: 100-continue` round trip, and no made-up
        // `application/x-www-form-urlencoded` content type for bodies.
        if !expect { list = curl_slist_append(list, "Expect:") }
        if !contentType { list = curl_slist_append(list, "Content-Type:") }
        return list
    }

    /// Whether header `name` is `lowercased` (an ASCII name, lowercase), in any case.
    private static func named(_ name: String, _ lowercased: StaticString) -> Bool {
        let want = UnsafeBufferPointer(start: lowercased.utf8Start, count: lowercased.utf8CodeUnitCount)
        guard name.utf8.count == want.count else { return false }
        return zip(name.utf8, want).allSatisfy { a, b in (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a) == b }
    }

    private static func timings(_ handle: UnsafeMutableRawPointer) -> HTTPTimings {
        func seconds(_ info: CURLINFO) -> Double {
            var micros: curl_off_t = 0
            herald_curl_getinfo_off(handle, info, &micros)
            return Double(micros) / 1_000_000
        }
        return HTTPTimings(dns: seconds(CURLINFO_NAMELOOKUP_TIME_T), connect: seconds(CURLINFO_CONNECT_TIME_T),
                           tls: seconds(CURLINFO_APPCONNECT_TIME_T), firstByte: seconds(CURLINFO_STARTTRANSFER_TIME_T),
                           total: seconds(CURLINFO_TOTAL_TIME_T))
    }

    fileprivate static func sink(_ userdata: UnsafeMutableRawPointer?) -> TransferSink? {
        userdata.map { Unmanaged<TransferSink>.fromOpaque($0).takeUnretainedValue() }
    }
}

// C callbacks: global functions, because a C function pointer cannot capture.

private func curlWriteBody(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                           _ userdata: UnsafeMutableRawPointer?) -> Int {
    let n = size * count
    guard let sink = CurlTransfer.sink(userdata), let data else { return n }
    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: n))
    return n
}

private func curlWriteHeader(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                             _ userdata: UnsafeMutableRawPointer?) -> Int {
    let n = size * count
    guard let sink = CurlTransfer.sink(userdata), let data else { return n }
    // Read as bytes: a response has a dozen header lines, and each trip through Character-based trimming cost more
    // than the request.
    let raw = UnsafeRawBufferPointer(start: data, count: n).bindMemory(to: UInt8.self)
    func trimmed(_ r: Range<Int>) -> Range<Int> {
        var lower = r.lowerBound, upper = r.upperBound
        func junk(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A || b == 0 }
        while lower < upper, junk(raw[lower]) { lower += 1 }
        while upper > lower, junk(raw[upper - 1]) { upper -= 1 }
        return lower..<upper
    }
    func text(_ r: Range<Int>) -> String { String(decoding: UnsafeBufferPointer(rebasing: raw[r]), as: UTF8.self) }
    let line = trimmed(0..<n)
    if line.count >= 5, raw[line.lowerBound..<line.lowerBound + 5].elementsEqual("HTTP/".utf8) {
        sink.headers = []  // a new response (redirect hop or 1xx): keep only the last one's headers
    } else if line.isEmpty {
        return n
    } else if let first = raw[0] == 32 || raw[0] == 9 ? sink.headers.indices.last : nil {
        sink.headers[first].value += " " + text(line)  // obsolete line folding
    } else if let colon = raw[line].firstIndex(of: UInt8(ascii: ":")) {
        sink.headers.append(HTTPHeader(text(line.lowerBound..<colon), text(trimmed(colon + 1..<line.upperBound))))
    }
    return n
}

private func curlProgress(_ userdata: UnsafeMutableRawPointer?, _ dltotal: curl_off_t, _ dlnow: curl_off_t,
                          _ ultotal: curl_off_t, _ ulnow: curl_off_t) -> Int32 {
    guard let sink = CurlTransfer.sink(userdata) else { return 0 }
    return sink.job.isCancelled ? 1 : 0
}
