import CCurl
import HeraldCore
import Synchronization

/// The transfers in flight on one execution thread, on one curl multi handle: many requests at once on one thread,
/// none of them blocking it. Their connections stay alive in the multi handle's connection cache between requests.
///
/// Everything but `wakeup()` and `requestCancellationCheck()` runs on the owning thread.
///
/// `@unchecked Sendable` is sound: `multi` is only handed to `curl_multi_wakeup` off the thread, which libcurl
/// documents as safe from any thread; `cancelPending` is atomic; every other member is touched only on the owning
/// thread (the one loop that calls `start`, `poll`, `perform`, `close`).
final class CurlMulti: @unchecked Sendable {
    private let multi: UnsafeMutableRawPointer
    /// Easy handles no transfer is using, kept for their settings' allocations.
    private var idle: [UnsafeMutableRawPointer] = []
    /// A transfer in flight and whom to tell how it ended.
    private struct Active {
        let handle: UnsafeMutableRawPointer
        let sink: TransferSink
        let done: (Result<HTTPResponse, any Error>) -> Void
    }

    private var active: [Active] = []
    /// A transfer was added since the last `perform`: its request should go out now.
    private(set) var added = false
    private let cancelPending = Atomic<Bool>(false)

    /// A multi handle, or nil when libcurl cannot make one.
    init?() {
        CurlGlobal.initialize()
        guard let multi = curl_multi_init() else { return nil }
        self.multi = multi
    }

    /// Whether any transfer is in flight.
    var isBusy: Bool { !active.isEmpty }

    /// Starts `job`; `done` is called on the owning thread, from `perform` or `close`, exactly once.
    func start(_ job: CurlJob, done: @escaping (Result<HTTPResponse, any Error>) -> Void) {
        guard let handle = idle.popLast() ?? curl_easy_init() else {
            done(.failure(TransportError.systemFailure(url: job.request.url, detail: "curl_easy_init failed")))
            return
        }
        let sink = CurlTransfer.prepare(job, on: handle, checksCancellation: false)
        let code = curl_multi_add_handle(multi, handle)
        guard code == CURLM_OK else {
            idle.append(handle)
            let detail = String(cString: curl_multi_strerror(code))
            done(.failure(TransportError.systemFailure(url: job.request.url, detail: "curl_multi_add_handle: \(detail)")))
            return
        }
        active.append(Active(handle: handle, sink: sink, done: done))
        added = true
    }

    /// Waits until a transfer's socket is ready, curl's next timeout, `wakeup()`, or `timeoutMs`, whichever is
    /// first.
    func poll(timeoutMs: Int32) {
        _ = curl_multi_poll(multi, nil, 0, timeoutMs, nil)
    }

    /// Ends a `poll` early. Safe from any thread.
    func wakeup() {
        _ = curl_multi_wakeup(multi)
    }

    /// Asks the owning thread to look for cancelled transfers; safe from any thread.
    func requestCancellationCheck() {
        cancelPending.store(true, ordering: .releasing)
        wakeup()
    }

    /// Moves every transfer on as far as it can go without waiting, and settles those that ended (or were
    /// cancelled).
    func perform() {
        added = false
        if cancelPending.exchange(false, ordering: .acquiring) {
            for transfer in active where transfer.sink.job.isCancelled {
                end(transfer.handle, with: .failure(CancellationError()))
            }
        }
        guard !active.isEmpty else { return }
        var running: Int32 = 0
        _ = curl_multi_perform(multi, &running)
        var left: Int32 = 0
        while let message = curl_multi_info_read(multi, &left) {
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle,
                  let transfer = active.first(where: { $0.handle == handle }) else { continue }
            end(handle, with: CurlTransfer.finish(transfer.sink, code: message.pointee.data.result, on: handle))
        }
    }

    /// Ends every transfer still in flight with `error`, and frees the easy handles. The multi handle itself lives
    /// until this object goes: a cancellation handler that still holds it may call `wakeup()` late.
    func close(with error: @autoclosure () -> any Error) {
        while let transfer = active.first { end(transfer.handle, with: .failure(error())) }
        for handle in idle { curl_easy_cleanup(handle) }
        idle = []
    }

    deinit {
        curl_multi_cleanup(multi)
    }

    private func end(_ handle: UnsafeMutableRawPointer, with result: Result<HTTPResponse, any Error>) {
        guard let i = active.firstIndex(where: { $0.handle == handle }) else { return }
        let transfer = active.remove(at: i)
        curl_multi_remove_handle(multi, handle)
        idle.append(handle)
        transfer.done(result)
    }
}
