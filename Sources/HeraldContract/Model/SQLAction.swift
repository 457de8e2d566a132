import HeraldCore

/// An SQL query on a `sql` service (a `postgres://` or `sqlite:` URL): `sql: db` with `query:` and `params:`. Its
/// result is judged as `{rows: [{column: value, …}], count: N}`: `expect: { rows: …, count: … }` and `capture:`
/// read it, and `until:` makes the step poll until the result holds.
public struct SQLAction: Sendable {
    /// The service.
    public var service: String
    /// The SQL text, as written: it never holds a `${…}` template (values go in ``parameters``).
    public var query: String
    /// The values bound to `$1`, `$2`, … in order, rendered with the variables.
    public var parameters: [JSONValue]
    /// How long the connection and each query may take, if not the contract's `http_timeout`.
    public var timeout: Duration?
    /// With `until:`, the query is repeated until its result holds.
    public var poll: Polling?

    /// Creates a query description.
    public init(service: String, query: String, parameters: [JSONValue] = [], timeout: Duration? = nil, poll: Polling? = nil) {
        self.service = service
        self.query = query
        self.parameters = parameters
        self.timeout = timeout
        self.poll = poll
    }
}
