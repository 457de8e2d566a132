/// A Redis command connection on hiredis. Safe to use from any task or thread.
///
/// The hiredis context belongs to one thread of its own; commands from any task are queued to it, pipelined in
/// order, and each waits for its reply with a deadline. Get one with `withRedisConnection`, which closes it
/// when the body ends. For `SUBSCRIBE`, use a `RedisSubscriber` (a connection of its own).
public final class RedisConnection: Sendable {
    /// The URL connected to, with the password masked.
    public let url: String
    /// The database selected (from the URL's path).
    public let database: Int
    private let link: RedisLink

    /// Dropped without `close()`: the thread is told to stop (it holds only the link, not this object).
    deinit {
        link.post(.stop)
    }

    private init(link: RedisLink) {
        self.link = link
        self.url = link.url
        self.database = link.target.database
    }

    /// Connects, authenticates (`AUTH` with the URL's or the options' password), selects the database and pings,
    /// all within `options.connectTimeout` (the first exchange also within `options.commandTimeout`).
    ///
    /// - Throws: `TransportError` — `invalidURL`, `dnsFailure`, `connectionRefused`, `timeout`,
    ///   `protocolFailure` when the server rejects the credentials or requires a password; `CancellationError`.
    ///   Every message masks the password.
    public static func connect(_ options: RedisOptions) async throws -> RedisConnection {
        RedisConnection(link: try await RedisLink.open(options, role: .commands))
    }

    // MARK: - Commands

    /// Runs a command (binary-safe arguments, no `redisCommand` formatting) and returns its reply, error
    /// replies included.
    ///
    /// - Throws: `TransportError.timeout` when no reply came within `timeout` (default: the options' command
    ///   timeout); `TransportError.closed` when the connection is or goes down; `CancellationError`.
    public func command(_ arguments: [String], timeout: Duration? = nil) async throws -> RedisReply {
        try await command(bytes: arguments.map { Array($0.utf8) }, timeout: timeout)
    }

    /// Runs a command given as raw byte arguments; see `command(_:timeout:)`.
    public func command(bytes arguments: [[UInt8]], timeout: Duration? = nil) async throws -> RedisReply {
        guard let first = arguments.first else {
            throw RedisError.errorReply("empty command", command: "")
        }
        let name = String(decoding: first, as: UTF8.self).uppercased()
        let replies = try await link.send([arguments], name: name, timeout: timeout ?? link.options.commandTimeout)
        guard let reply = replies.first else { throw RedisError.errorReply("no reply", command: name) }
        return reply
    }

    /// Sends `commands` pipelined — one write, no round trip between them — and returns their replies in
    /// order, error replies included. Much faster than one `command` after another for bulk work (fixtures,
    /// bursts of `PUBLISH`). `timeout` bounds the whole batch.
    ///
    /// - Throws: `TransportError.timeout`, `.closed`; `CancellationError`.
    public func pipeline(_ commands: [[String]], timeout: Duration? = nil) async throws -> [RedisReply] {
        guard !commands.contains(where: \.isEmpty) else { throw RedisError.errorReply("empty command", command: "") }
        let name = "pipeline of \(commands.count)"
        return try await link.send(commands.map { $0.map { Array($0.utf8) } }, name: name,
                                   timeout: timeout ?? link.options.commandTimeout)
    }

    /// `GET key`: the value's bytes, or nil when the key does not exist.
    public func get(_ key: String) async throws -> [UInt8]? {
        switch try await checked(["GET", key], name: "GET") {
        case .string(let bytes): return bytes
        case .null: return nil
        case let other: throw RedisError.unexpectedReply(other, command: "GET")
        }
    }

    /// `SET key value`, with `PX milliseconds` when `expiry` is given.
    public func set(_ key: String, _ value: String, expiry: Duration? = nil) async throws {
        var arguments = ["SET", key, value]
        if let expiry { arguments += ["PX", String(expiry.wholeMilliseconds)] }
        let reply = try await checked(arguments, name: "SET")
        guard reply == .status("OK") else { throw RedisError.unexpectedReply(reply, command: "SET") }
    }

    /// `DEL keys…`: how many of the keys existed.
    @discardableResult
    public func delete(_ keys: String...) async throws -> Int {
        try await integer(["DEL"] + keys, name: "DEL")
    }

    /// `EXISTS keys…`: how many of the keys exist.
    public func exists(_ keys: String...) async throws -> Int {
        try await integer(["EXISTS"] + keys, name: "EXISTS")
    }

    /// `PEXPIRE key milliseconds`: whether the key existed (and now expires after `after`).
    @discardableResult
    public func expire(_ key: String, after: Duration) async throws -> Bool {
        try await integer(["PEXPIRE", key, String(after.wholeMilliseconds)], name: "PEXPIRE") == 1
    }

    /// `PUBLISH channel message`: how many subscribers received it.
    @discardableResult
    public func publish(_ channel: String, _ message: String) async throws -> Int {
        try await integer(["PUBLISH", channel, message], name: "PUBLISH")
    }

    /// `PUBLISH` with a binary payload.
    @discardableResult
    public func publish(_ channel: String, bytes: [UInt8]) async throws -> Int {
        let reply = try await command(bytes: [Array("PUBLISH".utf8), Array(channel.utf8), bytes])
        if case .error(let message) = reply { throw RedisError.errorReply(message, command: "PUBLISH") }
        guard let n = reply.integer else { throw RedisError.unexpectedReply(reply, command: "PUBLISH") }
        return n
    }

    /// `CONFIG SET parameter value`.
    public func configSet(_ parameter: String, _ value: String) async throws {
        let reply = try await checked(["CONFIG", "SET", parameter, value], name: "CONFIG SET")
        guard reply == .status("OK") else { throw RedisError.unexpectedReply(reply, command: "CONFIG SET") }
    }

    /// Turns on keyspace notifications on the server (`CONFIG SET notify-keyspace-events flags`). This changes
    /// the server for every client, so Herald does it only when a contract asks for it. `KEA`: keyspace and
    /// keyevent channels, all event classes.
    public func enableKeyspaceNotifications(_ flags: String = "KEA") async throws {
        try await configSet("notify-keyspace-events", flags)
    }

    /// Closes the connection: commands still waiting fail with `TransportError.closed`, the thread ends and the
    /// context is freed. Idempotent.
    public func close() async {
        await link.close()
    }

    private func checked(_ arguments: [String], name: String) async throws -> RedisReply {
        let reply = try await command(arguments)
        if case .error(let message) = reply { throw RedisError.errorReply(message, command: name) }
        return reply
    }

    private func integer(_ arguments: [String], name: String) async throws -> Int {
        let reply = try await checked(arguments, name: name)
        guard let n = reply.integer else { throw RedisError.unexpectedReply(reply, command: name) }
        return n
    }
}

/// Runs `body` with a Redis command connection, then closes it — thread ended, context freed — whether `body`
/// returns or throws.
public func withRedisConnection<T>(
    _ options: RedisOptions,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (RedisConnection) async throws -> T
) async throws -> T {
    try await withClosing(try await RedisConnection.connect(options), close: { await $0.close() }, body)
}
