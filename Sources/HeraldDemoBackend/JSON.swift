import Foundation
import HTTPTypes
import Hummingbird

/// JSON encoding and decoding shared by the routes and the WebSocket.
enum JSON {
    /// Encodes a value as compact JSON text.
    static func text(_ value: some Encodable) -> String {
        String(decoding: data(value), as: UTF8.self)
    }

    /// Encodes a value as compact JSON bytes. The values here are plain structs, so encoding cannot fail;
    /// should it ever, the result is an error object rather than a crash.
    static func data(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)) ?? Data(#"{"error":"encoding failed"}"#.utf8)
    }

    /// A JSON response with the given status.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let body = data(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(body.count)],
            body: .init(byteBuffer: ByteBuffer(bytes: body))
        )
    }

    /// A `{"error": message}` response.
    static func error(_ message: String, status: HTTPResponse.Status) -> Response {
        response(["error": message], status: status)
    }

    /// Decodes the request body, turning malformed or incomplete JSON into a 400.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.badRequest(describe(error))
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "body" : keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field '\(path(context.codingPath + [key]))'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "wrong type for '\(path(context.codingPath))'"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "invalid value for '\(path(context.codingPath))'"
        @unknown default:
            return "the body is not valid JSON"
        }
    }
}

/// Answers every error a route throws with a JSON `{"error": …}` body: ``APIError``s with their own
/// status, Hummingbird's errors (such as 404 for an unknown route) with theirs, anything else with 500.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSON.error(error.message, status: error.status)
        } catch let error as HTTPError {
            return JSON.error(error.body ?? error.status.reasonPhrase.lowercased(), status: error.status)
        } catch {
            context.logger.error("unexpected error in \(request.method) \(request.uri.path): \(error)")
            return JSON.error("internal error", status: .internalServerError)
        }
    }
}
