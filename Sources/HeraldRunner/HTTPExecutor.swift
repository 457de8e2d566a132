import Foundation
import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import HeraldTransport

/// Sends a contract's HTTP requests and records each request and response on the timeline.
struct HTTPExecutor: Sendable {
    let client: HTTPClient
    let timeline: TimelineRecorder
    let redactor: Redactor
    let insecure: Bool

    /// Renders `action` with `scope` (acting as `actor`), sends it, and records both sides, on the caller's executor.
    nonisolated(nonsending) func perform(_ action: HTTPAction, contract: Contract, scope: Bindings) async throws -> ObservedResponse {
        let service = action.service.flatMap { contract.service($0) }
        let base = try service.map { try $0.url.renderString(in: scope) }
        var url = URLs.join(base, try action.target.renderString(in: scope))
        url = URLs.appending(query: try action.query.map { ($0.name, try $0.value.renderString(in: scope)) }, to: url)
        var headers: [HTTPHeader] = []
        if let service {
            for h in service.headers {
                // A service header that needs an actor's field is sent only once that field is known: not when
                // nobody acts, nor during the actor's own setup, before the field has been captured.
                if h.value.references.contains(where: { $0.root == "actor" }) {
                    guard scope.currentActor != nil, let value = try? h.value.renderString(in: scope) else { continue }
                    headers.append(HTTPHeader(h.name, value))
                } else {
                    headers.append(HTTPHeader(h.name, try h.value.renderString(in: scope)))
                }
            }
        }
        for h in action.headers {
            headers.removeAll { $0.name.lowercased() == h.name.lowercased() }
            headers.append(HTTPHeader(h.name, try h.value.renderString(in: scope)))
        }
        let body = try action.body.map { Array(try $0.renderedText(in: scope).utf8) }
        if action.body?.isJSON == true, !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            headers.append(HTTPHeader("Content-Type", "application/json"))
        }
        for h in headers where Redactor.secretHeaders.contains(h.name.lowercased()) {
            redactor.add(secret: h.value.split(separator: " ").last.map(String.init) ?? h.value)
        }
        let request = HTTPRequest(method: action.method, url: url, headers: headers, body: body,
                                  timeout: action.timeout ?? contract.defaults.httpTimeout, followRedirects: false,
                                  tls: TLSOptions(insecure: insecure || (service?.insecure ?? false), caFile: service?.caFile))
        let actor = scope.currentActor?.description
        let sentSeq = timeline.record(.request(RequestRecord(
            method: action.method, url: URLs.masked(url), headers: headers.map { RecordedHeader(name: $0.name, value: $0.value) },
            body: body.map { String(decoding: $0, as: UTF8.self) })), actor: actor)
        let response: HTTPResponse
        do {
            response = try await client.send(request)
        } catch let error as TransportError {
            timeline.record(.note("request failed: \(error.description)"), actor: actor)
            throw InfrastructureError("\(action.method) \(URLs.masked(url)): \(error)",
                                      hint: error.description.contains("refused") ? "is the service running, and is the URL right?" : nil)
        }
        let json = JSONParser.parseIfJSON(response.body)
        let text = String(decoding: response.body, as: UTF8.self)
        let recordedHeaders = response.headers.map { RecordedHeader(name: $0.name, value: $0.value) }
        let t = response.timings
        let seq = timeline.record(.response(ResponseRecord(
            requestSeq: sentSeq, status: response.status, headers: recordedHeaders,
            body: text,
            timing: TimingRecord(dnsMs: t.dns * 1000, connectMs: t.connect * 1000, tlsMs: t.tls * 1000,
                                 firstByteMs: t.firstByte * 1000, totalMs: t.total * 1000))),
            actor: actor, at: response.finishedAt)
        return ObservedResponse(status: response.status,
                                headers: recordedHeaders,
                                body: json ?? .string(text), seq: seq)
    }
}
