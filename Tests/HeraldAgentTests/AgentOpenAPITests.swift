import Foundation
@testable import HeraldAgent
import HeraldCore
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded
import Testing

/// The package root (three levels above this file).
private let root = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private func documentFile() throws -> Data {
    try Data(contentsOf: root.appendingPathComponent("docs/agent-openapi.json"))
}

@Suite("the agent's OpenAPI document")
struct AgentOpenAPITests {
    @Test("the document the agent serves is docs/agent-openapi.json, byte for byte")
    func documentIsTheFile() throws {
        let file = try documentFile()
        let served = Data(AgentOpenAPI.document.utf8)
        let firstDifference = zip(served, file).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            ?? (served.count == file.count ? nil : min(served.count, file.count))
        #expect(firstDifference == nil, """
            Sources/HeraldAgent/AgentOpenAPI.swift differs from docs/agent-openapi.json at byte \(firstDifference ?? 0) \
            (\(served.count) bytes served, \(file.count) in the file): paste the file between the delimiters, each line \
            indented by four spaces
            """)
    }

    @Test("GET /openapi.json answers the document as JSON")
    func servedOverTheRoute() async throws {
        let agent = try InProcessAgent()
        let answer = try await agent.send(.get, "/openapi.json")
        #expect(answer.status == 200)
        #expect(answer.contentType == "application/json")
        #expect(answer.body == (try documentFile()))
        await agent.stop()
    }

    @Test("a result's kind and outcome list exactly what a verdict can be")
    func resultEnums() throws {
        let document = try #require(try JSONSerialization.jsonObject(with: documentFile()) as? [String: Any])
        let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any]
        let result = try #require((schemas?["ResultDto"] as? [String: Any])?["properties"] as? [String: Any])
        let kinds = (result["kind"] as? [String: Any])?["enum"] as? [String]
        let outcomes = (result["outcome"] as? [String: Any])?["enum"] as? [String]
        #expect(Set(kinds ?? []) == Set(Verdict.Kind.allCases.map(\.rawValue)))
        #expect(Set(outcomes ?? []) == Set(Verdict.Outcome.allCases.map(\.rawValue)))
    }

    @Test("the testId pattern of the document is the one the routes enforce")
    func testIDPattern() async throws {
        let document = try #require(try JSONSerialization.jsonObject(with: documentFile()) as? [String: Any])
        let parameter = (((document["components"] as? [String: Any])?["parameters"] as? [String: Any])?["testId"] as? [String: Any])
        let pattern = try #require((parameter?["schema"] as? [String: Any])?["pattern"] as? String)
        let regex = try NSRegularExpression(pattern: pattern)
        let agent = try InProcessAgent()
        // RFC 3986's unreserved characters go into the path as they are, everything else percent-encoded.
        let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        let ids = ["t1", "a", "A.b_c-d~9", String(repeating: "x", count: 128), String(repeating: "x", count: 129),
                   "a b", "a+b", "a:b", "a@b", "é", "ⅷ", "%", "a%2Fb", "*", "😀"]
        for id in ids {
            let matches = regex.firstMatch(in: id, range: NSRange(id.startIndex..., in: id)) != nil
            let encoded = try #require(id.addingPercentEncoding(withAllowedCharacters: unreserved))
            let answer = try await agent.send(.get, "/api/tests/\(encoded)/report")
            // Unknown but well-formed: 404; malformed: 400.
            #expect(answer.status == (matches ? 404 : 400), "testId \(id) (\(encoded)): pattern says \(matches ? "valid" : "invalid"), the route answered \(answer.status)")
            #expect(answer.contentType == "application/problem+json")
        }
        await agent.stop()
    }
}

@Suite("the agent's routes answer problems as the document declares")
struct AgentProblemTests {
    @Test("an unknown path and a method a path does not have are problem+json 404s")
    func unknownRoutes() async throws {
        let agent = try InProcessAgent()
        for (method, path) in [(HTTPRequest.Method.get, "/nowhere"), (.post, "/api/tests/t1"), (.patch, "/health"),
                               (.get, "/api/tests/t1/actions"), (.put, "/api/tests/")] {
            let answer = try await agent.send(method, path)
            #expect(answer.status == 404, "\(method) \(path)")
            #expect(answer.contentType == "application/problem+json", "\(method) \(path)")
            let problem = try answer.problem()
            #expect(problem["status"] as? Int == 404 && problem["type"] as? String == "about:blank", "\(problem)")
        }
        await agent.stop()
    }

    @Test("a malformed body is a 400, an unknown test case a 404 naming the known ones, an unknown test a 404")
    func clientErrors() async throws {
        let agent = try InProcessAgent()
        let malformed = try await agent.send(.put, "/api/tests/t1", body: "{\"testCase\":")
        #expect(malformed.status == 400 && malformed.contentType == "application/problem+json")
        let wrongShape = try await agent.send(.put, "/api/tests/t1/dynamicdata", body: "{\"data\":[1]}")
        #expect(wrongShape.status == 400, "data must be an object")

        let unknownCase = try await agent.send(.put, "/api/tests/t1", body: "{\"testCase\":\"nope\"}")
        #expect(unknownCase.status == 404)
        #expect(try unknownCase.problem()["known"] as? [String] == ["offer accepted through actions"])

        let notHere = try await agent.send(.post, "/api/tests/t1/actions", body: "{\"action\":\"createRequest\"}")
        #expect(notHere.status == 404)
        let clean = try await agent.send(.delete, "/api/tests/t1")
        #expect(clean.status == 204 && clean.body.isEmpty)
        await agent.stop()
    }

    @Test("a body over 1 MiB is a 413")
    func tooLarge() async throws {
        let agent = try InProcessAgent()
        let big = "{\"data\":{\"x\":\"" + String(repeating: "a", count: AgentJSON.maxBody) + "\"}}"
        let answer = try await agent.send(.put, "/api/tests/t1/dynamicdata", body: big)
        #expect(answer.status == 413 && answer.contentType == "application/problem+json")
        #expect(try answer.problem()["title"] as? String == "Content Too Large")
        await agent.stop()
    }

    @Test("with a token, a request without it is a 401 on every route, and one with it goes through")
    func token() async throws {
        let agent = try InProcessAgent(token: "s3cret")
        for path in ["/health", "/openapi.json", "/api/tests/t1/report", "/nowhere"] {
            let answer = try await agent.send(.get, path)
            #expect(answer.status == 401 && answer.contentType == "application/problem+json", "\(path)")
            let wrong = try await agent.send(.get, path, headers: [.authorization: "Bearer s3cres"])
            #expect(wrong.status == 401, "\(path)")
        }
        let health = try await agent.send(.get, "/health", headers: [.authorization: "Bearer s3cret"])
        #expect(health.status == 200 && String(decoding: health.body, as: UTF8.self) == #"{"status":"ok"}"#)
        await agent.stop()
    }
}

/// The agent's router with the middleware `herald agent` runs, driven without sockets; test cases from
/// contracts/agent-offer.yaml.
private struct InProcessAgent {
    let tests: AgentTests
    let responder: RouterResponder<BasicRequestContext>
    let logger: Logger

    init(token: String? = nil) throws {
        let inputs = AgentInputs(paths: [root.appendingPathComponent("contracts/agent-offer.yaml").path], token: token,
                                 verbose: false)
        var logger = Logger(label: "herald-agent-tests")
        logger.logLevel = .critical
        self.logger = logger
        tests = AgentTests(catalogue: try TestCatalogue(paths: inputs.paths), inputs: inputs, logger: logger)
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ProblemMiddleware(token: token, logger: logger))
        AgentRoutes(tests: tests).register(on: router)
        responder = router.buildResponder()
    }

    /// What a route answered.
    struct Answer {
        var status: Int
        var contentType: String?
        var body: Data

        /// The body as a problem object.
        func problem() throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
        }
    }

    func send(_ method: HTTPRequest.Method, _ path: String, body: String = "", headers: HTTPFields = [:]) async throws -> Answer {
        let head = HTTPRequest(method: method, scheme: "http", authority: "127.0.0.1", path: path, headerFields: headers)
        let request = Request(head: head, body: RequestBody(buffer: ByteBuffer(string: body)))
        let context = BasicRequestContext(source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: logger))
        let response = try await responder.respond(to: request, context: context)
        let collected = Collected()
        try await response.body.write(Collector(into: collected))
        return Answer(status: response.status.code, contentType: response.headers[.contentType], body: collected.data)
    }

    func stop() async { await tests.cleanUpAll() }
}

/// The bytes of a response body.
private final class Collected {
    var data = Data()
}

private struct Collector: ResponseBodyWriter {
    let into: Collected

    mutating func write(_ buffer: ByteBuffer) async throws { into.data.append(contentsOf: buffer.readableBytesView) }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
