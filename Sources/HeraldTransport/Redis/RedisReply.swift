/// A Redis reply (RESP2), typed.
public enum RedisReply: Sendable, Hashable {
    /// A bulk string: bytes, not necessarily UTF-8 (`GET` of an existing key).
    case string([UInt8])
    /// A status line (`+OK`, `+PONG`).
    case status(String)
    /// An integer (`DEL`, `EXISTS`, `PUBLISH`…).
    case integer(Int)
    /// An array of replies (`KEYS`, `CONFIG GET`…).
    case array([RedisReply])
    /// Redis' nil: a missing key, a timed-out blocking pop.
    case null
    /// An error reply (`-WRONGTYPE …`, `-ERR …`): the command reached the server and failed there.
    case error(String)

    /// The bulk string (as UTF-8) or status text; nil for other replies and for bytes that are not UTF-8.
    public var text: String? {
        switch self {
        case .string(let bytes): String(validating: bytes, as: UTF8.self)
        case .status(let s): s
        default: nil
        }
    }

    /// The integer, for `.integer`.
    public var integer: Int? {
        if case .integer(let n) = self { return n }
        return nil
    }

    /// True for `.null`.
    public var isNull: Bool { self == .null }

    /// The error message, for `.error`.
    public var errorMessage: String? {
        if case .error(let m) = self { return m }
        return nil
    }

    /// A short description for messages: the type, and the text of statuses and errors.
    var summary: String {
        switch self {
        case .string(let b): "a string of \(b.count) bytes"
        case .status(let s): "status \(s)"
        case .integer(let n): "integer \(n)"
        case .array(let a): "an array of \(a.count)"
        case .null: "nil"
        case .error(let e): "error \(e)"
        }
    }
}

/// A Redis command that reached the server but did not do what the convenience method expects: the server
/// answered with an error reply, or with a reply of an unexpected type.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable, Equatable {
        case errorReply(String)
        case unexpectedReply(String)
    }

    private let code: Code
    /// The command's name (`SET`, `CONFIG SET`); arguments are never kept, they may hold secrets.
    public let command: String

    private init(_ code: Code, command: String) {
        self.code = code
        self.command = command
    }

    /// The server answered `command` with an error reply.
    public static func errorReply(_ message: String, command: String) -> RedisError {
        RedisError(.errorReply(message), command: command)
    }

    /// The server answered `command` with a reply of another type than expected.
    public static func unexpectedReply(_ reply: RedisReply, command: String) -> RedisError {
        RedisError(.unexpectedReply(reply.summary), command: command)
    }

    /// The server's error message, for an error reply.
    public var serverMessage: String? {
        if case .errorReply(let m) = code { return m }
        return nil
    }

    /// One line for people.
    public var description: String {
        switch code {
        case .errorReply(let m): "Redis \(command) failed: \(m)"
        case .unexpectedReply(let what): "Redis \(command) answered with an unexpected \(what)"
        }
    }
}
