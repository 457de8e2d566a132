import HTTPTypes

/// An error a route answers with: an HTTP status and a `{"error": message}` body.
struct APIError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case badRequest
        case unauthorized
        case forbidden
        case notFound
        case conflict
    }

    private let code: Code
    /// The text of the `error` field.
    let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// 400: the request body or a value in it is unusable.
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, message) }
    /// 401: no bearer token, or one that belongs to nobody.
    static let unauthorized = APIError(.unauthorized, "unauthorized")
    /// 403: the caller is authenticated but may not do this.
    static func forbidden(_ message: String = "forbidden") -> APIError { APIError(.forbidden, message) }
    /// 404: the thing does not exist.
    static func notFound(_ message: String = "not found") -> APIError { APIError(.notFound, message) }
    /// 409: the thing is not in a state that allows this.
    static func conflict(_ message: String) -> APIError { APIError(.conflict, message) }

    /// The HTTP status the error is answered with.
    var status: HTTPResponse.Status {
        switch code {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        }
    }

    var description: String { "\(status.code) \(message)" }
}
