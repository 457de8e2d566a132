/// How to run the demo backend: where it listens and which defects are switched on.
public struct DemoBackendConfiguration: Sendable {
    /// The address to bind to.
    public var host: String = "127.0.0.1"
    /// The port to bind to; 0 picks a free port.
    public var port: Int = 0
    /// The defects that are switched on (none by default).
    public var defects: Set<DemoDefect> = []
    /// How late the ``DemoDefect/slow`` defect delivers `offer.accepted`.
    public var slowDelay: Duration = .milliseconds(1500)
    /// Log at debug level instead of only warnings and errors (logs go to standard error).
    public var verbose: Bool = false

    /// Creates a configuration; every parameter has a default.
    /// - Parameters:
    ///   - host: The address to bind to.
    ///   - port: The port to bind to; 0 picks a free port.
    ///   - defects: The defects to switch on.
    ///   - slowDelay: How late the `slow` defect delivers `offer.accepted`.
    ///   - verbose: Log at debug level instead of only warnings and errors.
    public init(
        host: String = "127.0.0.1",
        port: Int = 0,
        defects: Set<DemoDefect> = [],
        slowDelay: Duration = .milliseconds(1500),
        verbose: Bool = false
    ) {
        self.host = host
        self.port = port
        self.defects = defects
        self.slowDelay = slowDelay
        self.verbose = verbose
    }
}
