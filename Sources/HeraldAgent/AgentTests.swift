import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import HeraldRunner
import HeraldTransport
import Logging

/// The tests an agent holds, by test id, each isolated from the others (its own run id, actors and connections).
actor AgentTests {
    private struct Entry {
        let session: ContractSession
        let testCase: String
        let callback: String?
        /// Whether the preparation ran to its end; a test whose setup failed can be verified and cleaned up only.
        let prepared: Bool
    }

    private let catalogue: TestCatalogue
    private let inputs: AgentInputs
    private let client = HTTPClient()
    private let engine = SharedWebSocketEngine()
    private let logger: Logger
    private var tests: [String: Entry] = [:]
    /// Ids being prepared (a second prepare of one of them is a conflict too), with the clean-ups waiting for it to end.
    private var preparing: [String: [CheckedContinuation<Void, Never>]] = [:]

    init(catalogue: TestCatalogue, inputs: AgentInputs, logger: Logger) {
        self.catalogue = catalogue
        self.inputs = inputs
        self.logger = logger
    }

    func prepare(_ id: String, _ dto: PreparationDto) async throws -> PreparationResultDto {
        guard tests[id] == nil, preparing[id] == nil else { throw Problem.conflict("test '\(id)' is already prepared; clean it up first") }
        guard let contract = catalogue.contract(dto.testCase) else {
            throw Problem.notFound("no test case '\(dto.testCase)'", known: catalogue.names)
        }
        if let url = dto.callbackBaseUrl, !Self.isHTTPURL(url) {
            throw Problem.badRequest("callbackBaseUrl must be an http:// or https:// URL")
        }
        let plan: ContractPlan
        do {
            plan = try Planner.plan(contract, options: inputs.runOptions())
        } catch {
            throw Problem.badRequest("test case '\(dto.testCase)' cannot be planned: \(error)")
        }
        let session: ContractSession
        do {
            session = try ContractSession(plan: plan, client: client, engine: engine, insecure: inputs.insecure)
        } catch {
            throw Problem.badRequest("test case '\(dto.testCase)' cannot bind its variables: \(error)")
        }
        preparing[id] = []
        let outcome = await session.prepare(data: dto.data ?? [:])
        tests[id] = Entry(session: session, testCase: contract.name, callback: dto.callbackBaseUrl, prepared: outcome.completed)
        for waiting in preparing.removeValue(forKey: id) ?? [] { waiting.resume() }
        return PreparationResultDto(testId: id, testCase: contract.name, status: outcome.completed ? "PREPARED" : "FAILED",
                                    data: outcome.outputs, results: outcome.verdicts.map(ResultDto.init),
                                    message: outcome.infrastructureError)
    }

    func update(_ id: String, _ dto: DynamicDataDto) async throws {
        try await entry(id).session.update(data: dto.data)
    }

    func act(_ id: String, _ dto: ActionDto) async throws -> ActionResultDto {
        let entry = try entry(id)
        let contract = entry.session.plan.contract
        guard contract.actionNames.contains(dto.action) else {
            throw Problem.badRequest("test case '\(entry.testCase)' has no action '\(dto.action)'", known: contract.actionNames)
        }
        guard entry.prepared else {
            throw Problem.conflict("test '\(id)' failed its preparation: verify it to see why, then clean it up")
        }
        if let data = dto.data { await entry.session.update(data: data) }
        let (base, action, client, logger) = (entry.callback, dto.action, client, logger)
        let outcome = await entry.session.act(action) { outcome in
            if let base { Self.notify(base: base, id: id, action: action, outcome, client: client, logger: logger) }
        }
        let failed = !outcome.completed || outcome.verdicts.contains { $0.outcome == .failed || $0.outcome == .notRun }
        return ActionResultDto(testId: id, action: dto.action, status: failed ? "FAILED" : "DONE", data: outcome.outputs,
                               results: outcome.verdicts.map(ResultDto.init), pending: outcome.pending,
                               message: outcome.infrastructureError)
    }

    func verify(_ id: String) async throws -> ReportDto {
        let entry = try entry(id)
        let result = await entry.session.verify()
        let results = result.verdicts.map(ResultDto.init)
        let pass = result.infrastructureError == nil && results.allSatisfy { $0.status == "PASS" }
        return ReportDto(testId: id, testCase: entry.testCase, status: pass ? "PASS" : "FAIL", results: results,
                         message: result.infrastructureError)
    }

    /// Cleans test `id` up and forgets it; an unknown id is already clean.
    /// A test still being prepared is cleaned up once its preparation ends (which its own deadlines bound).
    func cleanUp(_ id: String) async {
        if preparing[id] != nil {
            await withCheckedContinuation { preparing[id, default: []].append($0) }
        }
        guard let entry = tests.removeValue(forKey: id) else { return }
        await entry.session.cleanUp()
    }

    /// Cleans every test up, then closes the shared connections (shutdown).
    func cleanUpAll() async {
        for id in tests.keys.sorted() { await cleanUp(id) }
        await engine.shutdown()
    }

    private func entry(_ id: String) throws -> Entry {
        guard let e = tests[id] else { throw Problem.notFound("no test '\(id)'; prepare it first with PUT /api/tests/\(id)") }
        return e
    }

    private static func isHTTPURL(_ s: String) -> Bool {
        guard let url = URL(string: s), let scheme = url.scheme?.lowercased(), url.host?.isEmpty == false else { return false }
        return scheme == "http" || scheme == "https"
    }

    /// Posts the decided outcome of an action to `{base}/notifications`, in a task of its own; a failure is logged.
    private static func notify(base: String, id: String, action: String, _ outcome: ContractSession.Outcome,
                               client: HTTPClient, logger: Logger) {
        let results = outcome.verdicts.map(ResultDto.init)
        let failed = results.filter { $0.status == "FAIL" }.count + (outcome.completed ? 0 : 1)
        let dto = ActionNotificationDto(testId: id, action: action, status: failed == 0 ? "PASS" : "FAIL",
                                        passed: results.count - results.filter { $0.status == "FAIL" }.count,
                                        failed: failed, results: results)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let body = (try? encoder.encode(dto)).map { [UInt8]($0) } ?? []
        let url = (base.hasSuffix("/") ? String(base.dropLast()) : base) + "/notifications"
        Task {
            do {
                let r = try await client.send(HTTPRequest(method: "POST", url: url, headers: [HTTPHeader("Content-Type", "application/json")],
                                                          body: body, timeout: .seconds(10)))
                logger.info("notification \(id) \(action) → \(r.status)")
            } catch {
                logger.warning("notification \(id) \(action) to \(URLCredentials.masked(url, bareSecret: true)) failed: \(error)")
            }
        }
    }
}
