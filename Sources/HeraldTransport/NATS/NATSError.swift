/// A NATS operation the server or libnats refused for reasons of its own, not because the network failed.
///
/// Network failures (refused, unreachable, timed out, closed) are `TransportError`s; these are about the subject,
/// the request or the message. The description names the subject, for example
/// `no responders for a request on orders.get`.
public struct NATSError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable, Equatable {
        case noResponders
        case invalidSubject
        case invalidQueueGroup
        case payloadTooLarge
        case notSupported
        case refused(String)
    }

    private let code: Code
    /// The subject the operation was for.
    public let subject: String

    private init(_ code: Code, subject: String) {
        self.code = code
        self.subject = subject
    }

    /// The server answered a request at once: nothing is subscribed to the subject.
    public static func noResponders(subject: String) -> NATSError { NATSError(.noResponders, subject: subject) }
    /// The subject is empty or malformed (spaces, empty tokens, a `>` that is not last…).
    public static func invalidSubject(_ subject: String) -> NATSError { NATSError(.invalidSubject, subject: subject) }
    /// The queue group name is not valid.
    public static func invalidQueueGroup(subject: String) -> NATSError { NATSError(.invalidQueueGroup, subject: subject) }
    /// The message is larger than the server's `max_payload`.
    public static func payloadTooLarge(subject: String) -> NATSError { NATSError(.payloadTooLarge, subject: subject) }
    /// The server lacks a feature the operation needs (headers need nats-server 2.2 or later).
    public static func notSupported(subject: String) -> NATSError { NATSError(.notSupported, subject: subject) }
    /// libnats refused the operation for another reason, given in `detail`.
    public static func refused(subject: String, detail: String) -> NATSError { NATSError(.refused(detail), subject: subject) }

    /// True when a request found nobody subscribed to its subject.
    public var isNoResponders: Bool { code == .noResponders }
    /// True when the subject (or queue group) was rejected as malformed.
    public var isInvalidSubject: Bool { code == .invalidSubject || code == .invalidQueueGroup }

    /// One line for people.
    public var description: String {
        switch code {
        case .noResponders: "no responders for a request on \(subject)"
        case .invalidSubject: "invalid NATS subject '\(subject)'"
        case .invalidQueueGroup: "invalid NATS queue group for subject '\(subject)'"
        case .payloadTooLarge: "the message on \(subject) is larger than the server allows"
        case .notSupported: "the NATS server does not support this operation (headers need nats-server 2.2+) on \(subject)"
        case .refused(let detail): "NATS refused the operation on \(subject): \(detail)"
        }
    }
}
