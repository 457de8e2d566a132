/// How a TLS peer (https://, wss://) is checked. Certificates are verified by default.
public struct TLSOptions: Sendable, Hashable {
    /// Skip certificate and host-name verification (self-signed test servers). Off by default.
    public var insecure: Bool
    /// A PEM bundle of CA certificates to verify the peer with (for a private CA), or nil for the system's CAs.
    public var caFile: String?

    /// Creates TLS options; the defaults verify the peer against the system's CAs.
    public init(insecure: Bool = false, caFile: String? = nil) {
        self.insecure = insecure
        self.caFile = caFile
    }
}
