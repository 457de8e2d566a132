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
    ///
    /// An answer of 429 with a `Retry-After` of at most ``Throttle/longestWait`` is waited out and the request sent
    /// again (at most ``Throttle/attempts`` times), unless `expects429`: the step asserts that status itself. The
    /// 429's timeline entry says how long Herald waited, so that reports count it.
    nonisolated(nonsending) func perform(_ action: HTTPAction, contract: Contract, scope: Bindings,
                                         expects429: Bool = false) async throws -> ObservedResponse {
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
        try addBasicAuth(action, service: service, scope: scope, to: &headers)
        let bodyText = try action.body.map { try $0.renderedText(in: scope) }
        let body = bodyText.map { Array($0.utf8) }
        if action.body?.isJSON == true, !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            headers.append(HTTPHeader("Content-Type", "application/json"))
        }
        headers = try signing(headers, body: body, action, scope: scope)
        for h in headers where Redactor.secretHeaders.contains(h.name.lowercased()) {
            redactor.add(secret: h.value.split(separator: " ").last.map(String.init) ?? h.value)
        }
        let request = HTTPRequest(method: action.method, url: url, headers: headers, body: body,
                                  timeout: action.timeout ?? contract.defaults.httpTimeout, followRedirects: false,
                                  tls: TLSOptions(insecure: insecure || (service?.insecure ?? false), caFile: service?.caFile))
        let actor = scope.currentActor?.description
        var attempt = 1
        while true {
            let sentSeq = timeline.record(.request(RequestRecord(
                method: action.method, url: URLs.masked(url), headers: headers.map { RecordedHeader(name: $0.name, value: $0.value) },
                body: bodyText)), actor: actor)
            let response: HTTPResponse
            do {
                response = try await client.send(request)
            } catch let error as TransportError {
                timeline.record(.note("request failed: \(error.description)"), actor: actor)
                throw InfrastructureError(diagnosing: error, "\(action.method) \(URLs.masked(url))")
            }
            let text = String(decoding: response.body, as: UTF8.self)
            let recordedHeaders = response.headers.map { RecordedHeader(name: $0.name, value: $0.value) }
            let t = response.timings
            let wait = response.status == 429 && !expects429 && attempt < Throttle.attempts
                ? Throttle.wait(response.headers.first { $0.name.lowercased() == "retry-after" }?.value) : nil
            let seq = timeline.record(.response(ResponseRecord(
                requestSeq: sentSeq, status: response.status, headers: recordedHeaders,
                body: text,
                timing: TimingRecord(dnsMs: t.dns * 1000, connectMs: t.connect * 1000, tlsMs: t.tls * 1000,
                                     firstByteMs: t.firstByte * 1000, totalMs: t.total * 1000),
                retryAfterMs: wait?.milliseconds)),
                actor: actor, at: response.finishedAt)
            guard let wait else {
                // Parsed only if something reads it: most steps check the status alone.
                return ObservedResponse(status: response.status, headers: recordedHeaders, bytes: response.body, text: text,
                                        seq: seq)
            }
            try await Task.sleep(for: wait)
            attempt += 1
        }
    }
}

extension HTTPExecutor {
    /// `Authorization: Basic …` from the step's `auth:` (over the service's headers, not over the step's own), or else
    /// from the service's `auth:` when no Authorization header is set. Service credentials that need an actor's
    /// field are used only where an actor acts, like service headers. The password is a secret from then on.
    func addBasicAuth(_ action: HTTPAction, service: Service?, scope: Bindings, to headers: inout [HTTPHeader]) throws {
        let isAuthorization = { (h: HTTPHeader) in h.name.lowercased() == "authorization" }
        let credentials: (user: String, password: String)
        if let auth = action.auth {
            guard !action.headers.contains(where: { $0.name.lowercased() == "authorization" }) else { return }
            credentials = (try auth.user.renderString(in: scope), try auth.password.renderString(in: scope))
        } else if let auth = service?.auth, !headers.contains(where: isAuthorization) {
            let needsActor = (auth.user.references + auth.password.references).contains { $0.root == "actor" }
            // Not when nobody acts, nor during the actor's own setup, before the field it needs is captured.
            guard !needsActor || scope.currentActor != nil else { return }
            do {
                credentials = (try auth.user.renderString(in: scope), try auth.password.renderString(in: scope))
            } catch {
                if needsActor { return }
                throw error
            }
        } else {
            return
        }
        redactor.add(secret: credentials.password)
        headers.removeAll(where: isAuthorization)
        headers.append(HTTPHeader("Authorization", "Basic " + Data("\(credentials.user):\(credentials.password)".utf8).base64EncodedString()))
    }
}

/// How Herald waits out HTTP 429 (Too Many Requests), for rate-limited environments.
enum Throttle {
    /// The longest `Retry-After` waited out; a longer one is left to the step's status check.
    static let longestWait = Duration.seconds(120)
    /// How many times one request is sent at most.
    static let attempts = 10

    /// The wait a `Retry-After` value asks for (delay-seconds, or an HTTP date, RFC 9110 §10.2.3), or `nil` when
    /// there is none, it cannot be read, or it is longer than ``longestWait``.
    static func wait(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        let wait: Duration
        if let seconds = Int(value) {
            guard seconds >= 0 else { return nil }
            wait = .seconds(seconds)
        } else {
            guard let date = httpDate.date(from: value) else { return nil }
            wait = .milliseconds(max(0, Int64((date.timeIntervalSince(now) * 1000).rounded(.up))))
        }
        return wait <= longestWait ? wait : nil
    }

    /// IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
    private static var httpDate: DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f
    }
}
