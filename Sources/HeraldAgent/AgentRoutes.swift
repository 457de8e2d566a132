import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The operations of the TestAgent API.
struct AgentRoutes: Sendable {
    let tests: AgentTests

    func register(on router: Router<BasicRequestContext>) {
        router.get("/health") { _, _ in AgentJSON.response(["status": "ok"]) }
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: AgentOpenAPI.document)))
        }
        let tests = tests
        router.put("/api/tests/:testId") { request, context in
            let id = try Self.testID(context)
            let dto = try await AgentJSON.decode(PreparationDto.self, from: request)
            return AgentJSON.response(try await tests.prepare(id, dto))
        }
        router.put("/api/tests/:testId/dynamicdata") { request, context in
            let id = try Self.testID(context)
            let dto = try await AgentJSON.decode(DynamicDataDto.self, from: request)
            try await tests.update(id, dto)
            return Response(status: .noContent)
        }
        router.post("/api/tests/:testId/actions") { request, context in
            let id = try Self.testID(context)
            let dto = try await AgentJSON.decode(ActionDto.self, from: request)
            return AgentJSON.response(try await tests.act(id, dto))
        }
        router.get("/api/tests/:testId/report") { _, context in
            AgentJSON.response(try await tests.verify(try Self.testID(context)))
        }
        router.delete("/api/tests/:testId") { _, context in
            await tests.cleanUp(try Self.testID(context))
            return Response(status: .noContent)
        }
    }

    /// The `{testId}` of the path: 1–128 characters of letters, digits, `-`, `_`, `.` or `~`.
    static func testID(_ context: BasicRequestContext) throws -> String {
        let id = context.parameters.get("testId") ?? ""
        guard (1...128).contains(id.count), id.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-_.~".unicodeScalars.contains($0)) }) else {
            throw Problem.badRequest("a testId is 1–128 characters of letters, digits, '-', '_', '.' or '~'")
        }
        return id
    }
}
