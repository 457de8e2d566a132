import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import HeraldTransport

/// `sql:` steps: a query on a PostgreSQL or SQLite service, once or polled, judged on `{rows, count}`.
extension ContractExecution {
    /// Runs the query (on a connection of the step's own, closed when it ends), or repeats it until `until:` holds,
    /// then judges the last result against `expect:` and binds the captures. A query the database refuses is a failed
    /// step; a database that cannot be reached, refuses the credentials or does not answer in time is an
    /// infrastructure error.
    func runSQL(_ action: SQLAction, step: Step, label: String, idPrefix: String, scope: Bindings,
                setupOf actor: ActorInstance?, add: (Verdict) -> Void) async throws {
        let url = try sqlURL(action.service, scope: scope)
        let parameters = try action.parameters.map { SQLParameter(try $0.rendered(in: scope)) }
        let summary = "sql \(action.service)"
        let connection: SQLConnection
        do {
            connection = try await SQLConnection.connect(url, timeout: contract.defaults.connectTimeout)
        } catch let error as SQLError {
            throw InfrastructureError(diagnosing: error, "sql service '\(action.service)'")
        }
        let response: ObservedResponse?
        do {
            response = try await sqlResult(action, connection: connection, parameters: parameters, summary: summary,
                                           step: step, label: label, idPrefix: idPrefix, scope: scope, add: add)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        guard let response else { return }
        let expected = try step.response.body?.rendered(in: scope)
        add(SQLJudge.judge(expected, result: response.body, seq: response.seq, summary: summary, contract: contract.name,
                           step: label, idPrefix: idPrefix, location: step.response.location ?? step.location))
        for c in step.captures {
            guard let value = ResponseJudge.capture(c, body: response.body, status: nil, header: { _ in nil }) else {
                add(ResponseJudge.missingCapture(c.name, at: c.location, response: response, contract: contract.name, step: label,
                                                 idPrefix: idPrefix))
                throw Stop()
            }
            bind(c.name, value, for: actor)
        }
    }

    /// The service's rendered URL, its password now a secret of the run.
    private func sqlURL(_ name: String, scope: Bindings) throws -> String {
        guard let service = contract.service(name) else { throw InfrastructureError("sql: needs a database service") }
        let url = try service.url.renderString(in: scope)
        guard let target = SQLURL(url) else {
            throw InfrastructureError("service '\(name)' (\(URLs.masked(url))) is not a database",
                                      hint: "sql: goes to a service whose url starts with postgres://, postgresql:// or sqlite:")
        }
        for secret in target.secrets { redactor.add(secret: secret) }
        return url
    }

    /// The result to judge: the query's, or, polled, the one that met `until:`; `nil` when the database refused the
    /// query or the poll ran out of time (their failed verdicts are added).
    private func sqlResult(_ action: SQLAction, connection: SQLConnection, parameters: [SQLParameter], summary: String,
                           step: Step, label: String, idPrefix: String, scope: Bindings,
                           add: (Verdict) -> Void) async throws -> ObservedResponse? {
        func attempt() async throws -> ObservedResponse? {
            do {
                return try await query(action, connection: connection, parameters: parameters, scope: scope)
            } catch let error as SQLError where error.isQueryError {
                add(SQLJudge.refused(error.detail, summary: summary, contract: contract.name, step: label, idPrefix: idPrefix,
                                     location: step.location))
                return nil
            } catch let error as SQLError {
                throw InfrastructureError(diagnosing: error, "sql service '\(action.service)'")
            }
        }
        guard let poll = action.poll else { return try await attempt() }
        // The poll of an HTTP step, on the query's result: the same loop and the same judge.
        guard let (response, verdict) = try await repeating(poll, step: step, label: label, idPrefix: idPrefix, scope: scope,
                                                              attempt: attempt) else { return nil }
        add(verdict)
        return response
    }

    /// One run of the query, recorded on the timeline (on the service's lane) with its parameters and rows.
    private func query(_ action: SQLAction, connection: SQLConnection, parameters: [SQLParameter],
                       scope: Bindings) async throws -> ObservedResponse {
        let result = try await connection.query(action.query, parameters: parameters,
                                                 timeout: action.timeout ?? contract.defaults.httpTimeout)
        let body = result.json
        let shownParameters = parameters.isEmpty ? "" : " with " + action.parameters.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
            + " = " + parameters.map(\.shown).joined(separator: ", ")
        let seq = timeline.record(.note("sql \(action.service): \(action.query)\(shownParameters) → \(SQLJudge.rowsText(body))"),
                                  actor: scope.currentActor?.description, channel: action.service)
        return ObservedResponse(status: 200, headers: [], body: body, seq: seq)
    }
}

extension SQLParameter {
    /// The value as the timeline shows it.
    var shown: String {
        switch self {
        case .null: "NULL"
        case .text(let s): JSONValue.string(s).encoded()
        case .integer(let n): String(n)
        case .real(let d): JSONValue.format(number: d)
        case .bool(let b): b ? "true" : "false"
        }
    }
}
