/// One header line: a name and a value, as sent or received (names keep their spelling).
public struct HTTPHeader: Sendable, Hashable {
    /// The header name, e.g. `Authorization`.
    public var name: String
    /// The header value, e.g. `Bearer abc`.
    public var value: String

    /// Creates a header.
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}
