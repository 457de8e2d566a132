import HTTPTypes
import Hummingbird
import HummingbirdCore

/// Finding the caller's bearer token.
enum BearerToken {
    /// The token of an `Authorization: Bearer <token>` header.
    static func from(_ headers: HTTPFields) -> String? {
        guard let value = headers[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].strippingWhitespace()
        return token.isEmpty ? nil : token
    }

    /// The header's token, else the `token` query parameter (browsers cannot set headers on WebSockets).
    static func from(_ headers: HTTPFields, uri: URI) -> String? {
        from(headers) ?? uri.queryParameters["token"].map(String.init).flatMap { $0.isEmpty ? nil : $0 }
    }
}

extension Store {
    /// The user whose bearer token the request carries; 401 when there is none or it is unknown.
    func authenticate(_ request: Request) throws -> User {
        guard let token = BearerToken.from(request.headers), let user = user(forToken: token) else {
            throw APIError.unauthorized
        }
        return user
    }
}
