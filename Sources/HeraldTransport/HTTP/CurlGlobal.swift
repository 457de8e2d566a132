import CCurl

/// `curl_global_init` must run once per process, before any other curl call and not concurrently with one.
enum CurlGlobal {
    /// Runs `curl_global_init` the first time it is called (thread-safe).
    static func initialize() { _ = done }

    private static let done: Void = {
        _ = herald_curl_global_init()
    }()
}
