import CCurl

/// Maps libcurl result codes to `TransportError`s.
enum CurlErrors {
    static func transportError(_ code: CURLcode, url: String, timeout: Duration, detail: String) -> TransportError {
        switch code {
        case CURLE_COULDNT_CONNECT:
            // "Failed to connect to … port 9 after 0 ms: Connection refused" (or, with newer libcurl,
            // "…: Couldn't connect to server") adds nothing to "connection refused".
            let generic = detail.hasSuffix("Connection refused") || detail.hasSuffix("Couldn't connect to server")
            return .connectionRefused(url: url, detail: generic ? nil : detail)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .dnsFailure(url: url, detail: detail)
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout(url: url, after: timeout, detail: detail)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidURL(url, detail: detail)
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
             CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
             CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED,
             CURLE_SSL_ENGINE_INITFAILED, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE:
            return .tlsFailure(url: url, detail: detail)
        case CURLE_OUT_OF_MEMORY, CURLE_FAILED_INIT:
            return .systemFailure(url: url, detail: detail)
        default:
            return .protocolFailure(url: url, detail: detail)
        }
    }
}
