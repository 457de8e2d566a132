/// Herald's version, and how it names itself to the servers it talks to.
public enum HeraldVersion {
    /// The version (`herald --version`, the reports).
    public static let version = "0.1.0"
    /// The `User-Agent` of every HTTP request and WebSocket handshake that does not set its own.
    public static let userAgent = "herald/\(version)"
}
