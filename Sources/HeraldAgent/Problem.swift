import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// An error the API answers with: a status and an RFC 9457 problem body.
struct Problem: Error, Sendable {
    let status: HTTPResponse.Status
    let detail: String
    var known: [String]? = nil

    static func notFound(_ detail: String, known: [String]? = nil) -> Problem { Problem(status: .notFound, detail: detail, known: known) }
    static func badRequest(_ detail: String, known: [String]? = nil) -> Problem { Problem(status: .badRequest, detail: detail, known: known) }
    static func conflict(_ detail: String) -> Problem { Problem(status: .conflict, detail: detail) }

    var response: Response {
        let dto = ProblemDto(title: status.reasonPhrase, status: status.code, detail: detail, known: known)
        return AgentJSON.response(dto, status: status, contentType: "application/problem+json")
    }
}

/// JSON in and out.
enum AgentJSON {
    /// The largest request body the agent reads.
    static let maxBody = 1 << 20

    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok,
                         contentType: String = "application/json") -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status,
                        headers: [.contentType: contentType, .contentLength: String(body.count)],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// The request body decoded as `T`; a body that is too large, not JSON or not of that shape is a 400 (413).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBody)
        } catch {
            throw Problem(status: .contentTooLarge, detail: "the request body is larger than \(maxBody) bytes")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw Problem.badRequest("the request body is not a valid \(T.self): \(describe(error))")
        } catch {
            throw Problem.badRequest("the request body is not JSON")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "" : " at \(p)"
        }
        switch error {
        case .keyNotFound(let key, let c): return "'\(key.stringValue)' is missing\(path(c))"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "wrong type\(path(c)): \(c.debugDescription)"
        case .dataCorrupted(let c): return "not JSON\(path(c))"
        @unknown default: return "\(error)"
        }
    }
}
