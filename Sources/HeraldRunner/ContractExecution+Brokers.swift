import HeraldContract
import HeraldCore
import HeraldJudge
import HeraldPlan
import HeraldTransport

/// Steps that talk to brokers: publish, NATS request, Redis command.
extension ContractExecution {
    /// The broker URL of a message's service and its kind, or an infrastructure error that says what is wrong.
    func broker(_ service: String?, scope: Bindings, what: String) throws -> (BrokerClients.Kind, String) {
        guard let name = service, let s = contract.service(name) else {
            throw InfrastructureError("\(what) needs a broker service")
        }
        var url = try s.url.renderString(in: scope)
        if let auth = s.auth {
            // The service's login, as the acting actor: each actor publishes with its own credentials.
            let password = try auth.password.renderString(in: scope)
            redactor.add(secret: password)
            url = URLs.withCredentials(url, user: try auth.user.renderString(in: scope), password: password)
        }
        guard let kind = BrokerClients.Kind(url: url) else {
            throw InfrastructureError("service '\(name)' (\(URLs.maskedBroker(url))) is not a broker",
                                      hint: "\(what) goes to a service whose url starts with nats://, redis:// or mqtt://")
        }
        return (kind, url)
    }

    /// Runs a broker call, turning a connection failure into an infrastructure error naming the masked URL.
    func onBroker<T>(_ url: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as any TransportDiagnosis {
            throw InfrastructureError(diagnosing: error, "broker \(URLs.maskedBroker(url))")
        }
    }

    /// A message with its variables bound, recorded on the timeline as sent (on the service's lane).
    func sending(_ message: PublishAction, scope: Bindings) throws -> (subject: String, text: String, headers: [HTTPHeader]) {
        let subject = try message.subject.renderString(in: scope)
        let text = try message.payload.renderedText(in: scope)
        let headers = try message.headers.map { HTTPHeader($0.name, try $0.value.renderString(in: scope)) }
        timeline.record(.sent(FrameRecord(text: text, json: nil, subject: subject)),
                        actor: scope.currentActor?.description, channel: message.service)
        return (subject, text, headers)
    }

    /// `publish:` on NATS (flushed, so the server has it before the step's expectations start) or Redis.
    func publish(_ message: PublishAction, scope: Bindings) async throws {
        let (kind, url) = try broker(message.service, scope: scope, what: "publish")
        let (subject, text, headers) = try sending(message, scope: scope)
        try await onBroker(url) {
            switch kind {
            case .nats:
                let c = try await brokers.natsConnection(url)
                try c.publish(subject, text: text, headers: headers)
                try await c.flush(timeout: brokers.timeout)
            case .redis:
                _ = try await brokers.redisConnection(url).publish(subject, text)
            case .mqtt:
                try await brokers.mqttConnection(url).publish(subject, text: text, qos: message.qos, retain: message.retain)
            }
        }
    }

    /// `request:` on NATS: the reply as a response (status 200, its headers, its payload as the body), or `nil` when
    /// none came within the timeout.
    func request(_ message: PublishAction, scope: Bindings) async throws -> ObservedResponse? {
        let (kind, url) = try broker(message.service, scope: scope, what: "request")
        guard kind == .nats else {
            throw InfrastructureError("request: is NATS request/reply; service '\(message.service ?? "")' is \(kind.rawValue)")
        }
        let (subject, text, headers) = try sending(message, scope: scope)
        let actor = scope.currentActor?.description
        let connection = try await onBroker(url) { try await brokers.natsConnection(url) }
        let reply: NATSMessage
        do {
            reply = try await onBroker(url) {
                do {
                    return try await connection.request(subject, payload: Array(text.utf8), headers: headers,
                                                        timeout: message.timeout ?? .seconds(5))
                } catch let error as TransportError where error.isTimeout {
                    throw NoReply(detail: "nobody answered in time")
                } catch let error as NATSError where error.isNoResponders {
                    throw NoReply(detail: "nobody is subscribed to \(subject)")
                }
            }
        } catch let none as NoReply {
            // No reply is the service's failure, judged as such (exit 1), not an infrastructure error.
            timeline.record(.note("no reply to request \(subject): \(none.detail)"), actor: actor)
            return nil
        }
        let json = JSONParser.parseIfJSON(reply.payload)
        let body = json ?? .string(reply.text ?? "")
        let recorded = reply.headers.map { RecordedHeader(name: $0.name, value: $0.value) }
        let (replyText, _) = reply.text.map { ($0, true) } ?? MessageText.decode(reply.payload)
        let seq = timeline.record(.frame(FrameRecord(text: replyText, json: json, subject: reply.subject,
                                                       headers: recorded.isEmpty ? nil : recorded)),
                                    actor: actor, channel: message.service, at: reply.receivedAt)
        return ObservedResponse(status: 200, headers: recorded, body: body, seq: seq)
    }

    /// A NATS request that got no reply.
    private struct NoReply: Error {
        var detail: String
    }

    /// `redis:` a command; its reply is the response body (status 200, or 500 for an error reply).
    func redis(_ command: RedisCommandAction, scope: Bindings) async throws -> ObservedResponse {
        let (kind, url) = try broker(command.service, scope: scope, what: "redis")
        guard kind == .redis else { throw InfrastructureError("redis: needs a redis:// service; '\(command.service ?? "")' is \(kind.rawValue)") }
        let arguments = try command.command.map { try $0.renderString(in: scope) }
        let reply = try await onBroker(url) { try await brokers.redisConnection(url).command(arguments) }
        let seq = timeline.record(.note("redis \(arguments.joined(separator: " ")) → \(reply.json.encoded())"),
                                    actor: scope.currentActor?.description, channel: command.service)
        return ObservedResponse(status: reply.errorMessage == nil ? 200 : 500, headers: [], body: reply.json, seq: seq)
    }
}
