import HeraldCore

/// A contract as loaded from a file: services, actors, channels, steps and cleanup, each with its source location.
public struct Contract: Sendable {
    /// The contract's name (`contract:`).
    public var name: String
    /// The file it was loaded from.
    public var file: String
    /// Where `contract:` is written.
    public var location: SourceLocation
    /// Free-form description.
    public var description: String?
    /// Tags for `--tag` selection.
    public var tags: [String]
    /// Contract-level variables (`vars:`), rendered in order.
    public var variables: [(name: String, value: JSONValue)]
    /// Defaults for timeouts.
    public var defaults: Defaults
    /// Named services.
    public var services: [Service]
    /// Test identities.
    public var actors: [ActorDeclaration]
    /// Subscriptions.
    public var channels: [Channel]
    /// The steps, in order.
    public var steps: [Step]
    /// Steps that always run at the end, also after a failure or an interrupt.
    public var cleanup: [Step]
    /// Field and header names whose values are masked in every output.
    public var redact: [String]
    /// The load run the contract asks for (`load:`), when run without `--concurrency`.
    public var load: LoadDeclaration? = nil
    /// Conditions every level of a load run must meet (`thresholds:`), unless `--threshold` gives others.
    public var thresholds: [Threshold] = []
    /// Values handed to an orchestrator that drives the contract through `herald agent` (`outputs:`), rendered with
    /// what is known after each phase.
    public var outputs: [(name: String, value: JSONValue, location: SourceLocation)] = []
    /// Named JWT signers (`tokens:`): each `${name}` renders a fresh token.
    public var tokens: [TokenDeclaration] = []

    /// The agent actions the steps are grouped under (`action:`), in the order they first appear.
    public var actionNames: [String] {
        var seen: Set<String> = []
        return steps.compactMap(\.actionName).filter { seen.insert($0).inserted }
    }

    /// The service named `name`.
    public func service(_ name: String) -> Service? { services.first { $0.name == name } }
    /// The actor declaration named `name`.
    public func actor(_ name: String) -> ActorDeclaration? { actors.first { $0.name == name } }
    /// The index in `steps` of the step `ref` names, if there is one.
    public func stepIndex(_ ref: StepReference) -> Int? {
        switch ref {
        case .number(let n): (1...steps.count).contains(n) ? n - 1 : nil
        case .name(let name): steps.firstIndex { $0.name == name }
        }
    }

    /// The channel named `name`.
    public func channel(_ name: String) -> Channel? { channels.first { $0.name == name } }
}

/// A contract's `load:` block: the levels of concurrency and the rounds its load run has.
public struct LoadDeclaration: Sendable, Hashable {
    /// Workers at each level, in order.
    public var concurrency: [Int]
    /// Times each worker runs the contract at each level (with `rate`, periods of the rate).
    public var rounds: Int
    /// An open-model run: the arrival rate of each level (`rate: [1/s, 2/s]`); then `concurrency`, if given, is
    /// one number, the most flows under way at once.
    public var rates: [Rate]
    /// How long each level lasts, instead of `rounds`.
    public var duration: Duration?
    /// Where `load:` is written.
    public var location: SourceLocation

    /// Creates a declaration.
    public init(concurrency: [Int], rounds: Int, rates: [Rate] = [], duration: Duration? = nil, location: SourceLocation) {
        self.concurrency = concurrency
        self.rounds = rounds
        self.rates = rates
        self.duration = duration
        self.location = location
    }

    /// Two declarations ask for the same load run when their levels, rates, rounds and durations are the same,
    /// wherever written.
    public static func == (a: LoadDeclaration, b: LoadDeclaration) -> Bool {
        a.concurrency == b.concurrency && a.rounds == b.rounds && a.rates == b.rates && a.duration == b.duration
    }

    /// Hashes what ``==`` compares.
    public func hash(into h: inout Hasher) {
        h.combine(concurrency)
        h.combine(rounds)
        h.combine(rates)
        h.combine(duration)
    }

    /// `concurrency 1, 2 × 2 round(s)`, or `rate 5/s × 1 round(s)`, as a message names it.
    public var summary: String {
        let levels = rates.isEmpty ? "concurrency \(concurrency.map(String.init).joined(separator: ", "))"
            : "rate \(rates.map(\.description).joined(separator: ", "))" + (concurrency.isEmpty ? "" : " (at most \(concurrency[0]) under way)")
        return levels + (duration.map { " for \(DurationText.format($0))" } ?? " × \(rounds) round(s)")
    }
}

/// Timeouts a contract can set once for all its steps.
public struct Defaults: Sendable {
    /// How long an event expectation waits (`within:`), and the quiet window of `absent`.
    public var within: Duration = .seconds(2)
    /// HTTP request timeout.
    public var httpTimeout: Duration = .seconds(10)
    /// How long a channel may take to connect and confirm its subscription.
    public var connectTimeout: Duration = .seconds(5)
    /// How long a service's health path is awaited.
    public var healthTimeout: Duration = .seconds(5)
    /// Creates the defaults.
    public init() {}
}

/// A named base URL.
public struct Service: Sendable {
    /// Its name, used in `http: POST api /path`.
    public var name: String
    /// Base URL (may hold `${…}`).
    public var url: Template
    /// A path awaited before the run (any 2xx), if set.
    public var health: Template?
    /// How long the health path is awaited.
    public var healthTimeout: Duration?
    /// Headers sent with every request to the service; those that use `${actor.…}` are sent only when a step acts
    /// `as:` an actor, rendered with that actor's fields (this is how per-actor credentials are declared once).
    public var headers: [(name: String, value: Template)]
    /// Skip TLS certificate verification.
    public var insecure: Bool
    /// A CA bundle for TLS verification.
    public var caFile: String?
    /// Where it is declared.
    public var location: SourceLocation
    /// Credentials for every request or broker connection of the service: HTTP basic auth (`auth: { basic: [user,
    /// password] }`), or a broker's `username:` and `password:`. Rendered as the acting actor, so `${actor.…}` gives
    /// each actor its own.
    public var auth: Credentials? = nil
}

/// A user and a password, as templates: HTTP basic auth, or a broker login.
public struct Credentials: Sendable {
    /// The user name.
    public var user: Template
    /// The password (a secret: masked wherever it would show).
    public var password: Template
    /// Where they are written.
    public var location: SourceLocation

    /// Creates credentials.
    public init(user: Template, password: Template, location: SourceLocation) {
        self.user = user
        self.password = password
        self.location = location
    }
}

/// A test identity, possibly instanced several times (`count: 3` gives `seller[0]`…`seller[2]`).
public struct ActorDeclaration: Sendable {
    /// Its name.
    public var name: String
    /// How many instances.
    public var count: Int
    /// Steps run once per instance before the contract's steps; their captures become the instance's fields.
    public var setup: [Step]
    /// Where it is declared.
    public var location: SourceLocation
    /// Fields every instance has from the start (`vars:`), rendered per instance (`${actor.index}` works): fixed
    /// credentials without a setup call. `${alice.password}`, or `${actor.password}` where alice acts.
    public var vars: [(name: String, value: JSONValue)] = []
}

/// A reference to actors in `as:`, `for:` and `recipients:`: `buyer`, `seller` (every instance) or `seller[1]`.
public struct ActorReference: Hashable, Sendable, CustomStringConvertible {
    /// The actor's name.
    public var name: String
    /// One instance, or `nil` for every instance.
    public var index: Int?
    /// Where it is written.
    public var location: SourceLocation

    /// Creates a reference.
    public init(name: String, index: Int?, location: SourceLocation) {
        self.name = name
        self.index = index
        self.location = location
    }

    /// `seller[1]` or `seller`.
    public var description: String { index.map { "\(name)[\($0)]" } ?? name }
}

/// A subscription: one connection per actor listed in `for`, or a single shared one.
public struct Channel: Sendable {
    /// The kind of transport.
    public enum Kind: String, Sendable, CaseIterable {
        /// A WebSocket.
        case websocket
        /// Server-sent events over HTTP.
        case sse
        /// A NATS subject (wildcards `*` and `>`).
        case nats
        /// A Redis pub/sub channel or pattern, or the keyspace notifications of a key pattern.
        case redis
        /// An MQTT topic filter (wildcards `+` and `#`).
        case mqtt
    }

    /// Its name, used by expectations.
    public var name: String
    /// Its transport.
    public var kind: Kind
    /// The service it belongs to, when written as `"api /ws/path"`.
    public var service: String?
    /// The path (with a service) or the full URL.
    public var target: Template
    /// Actors that each get their own connection; empty for one shared connection.
    public var actors: [ActorReference]
    /// Handshake headers (rendered per actor).
    public var headers: [(name: String, value: Template)]
    /// WebSocket subprotocol.
    public var subprotocol: String?
    /// WebSocket: the largest message accepted (`max_message_size`), in bytes; a longer one fails the connection
    /// with close code 1009. `nil` for the default, 16 MiB.
    public var maxMessageSize: Int? = nil
    /// Messages sent as soon as the connection opens (a subscribe frame, for example).
    public var onOpen: [Payload]
    /// A frame that confirms the subscription; the run waits for it on every connection before any step.
    public var ready: Matcher?
    /// Options of the brokers: queue group, QoS, keyspace, credentials.
    public var broker = BrokerOptions()
    /// Where it is declared.
    public var location: SourceLocation
    /// Set when the connection must be refused (`expect: { refused: 403 }`): the readiness barrier checks that each
    /// of its connections is turned down, and nothing is received on it.
    public var refused: Refusal? = nil
}

/// How a channel's connections must be refused (`expect: { refused: … }`).
public struct Refusal: Sendable, Hashable {
    /// What the server must answer.
    public enum Answer: Sendable, Hashable {
        /// One of these HTTP statuses (a WebSocket upgrade, an SSE stream).
        case status([Int])
        /// Refused credentials (a broker).
        case notAuthorised
    }

    /// What the server must answer.
    public var answer: Answer
    /// Where `refused:` is written.
    public var location: SourceLocation

    /// Creates a refusal.
    public init(_ answer: Answer, at location: SourceLocation) {
        self.answer = answer
        self.location = location
    }

    /// `HTTP 401 or 403`, or `not authorised`.
    public var summary: String {
        switch answer {
        case .status(let s): "HTTP " + s.map(String.init).joined(separator: " or ")
        case .notAuthorised: "not authorised"
        }
    }
}

/// What a `nats`, `redis` or `mqtt` channel adds to its subject or topic.
public struct BrokerOptions: Sendable {
    /// NATS queue group: one member of the group gets each message.
    public var queue: String?
    /// MQTT quality of service of the subscription (0, 1 or 2).
    public var qos: Int?
    /// Redis: the target is a key pattern, and the channel receives its keyspace notifications as
    /// `{op, key}` events.
    public var keyspace = false
    /// Redis: switch keyspace notifications on (`CONFIG SET notify-keyspace-events KEA`) before subscribing.
    public var enableKeyspaceEvents = false
    /// User name (MQTT, NATS), rendered per actor.
    public var username: Template?
    /// Password (MQTT, NATS), rendered per actor; masked in every output.
    public var password: Template?
    /// Token (NATS), rendered per actor; masked in every output.
    public var token: Template?
    /// Creates empty options.
    public init() {}
}

/// A message body: JSON (rendered with variables) or text.
public enum Payload: Sendable {
    /// A JSON value.
    case json(JSONValue)
    /// Text.
    case text(Template)
}

/// One step: an action and what must follow it.
public struct Step: Sendable {
    /// A name given in the contract, if any.
    public var name: String?
    /// What the step does.
    public var action: Action
    /// The actor it acts as.
    public var actor: ActorReference?
    /// Assertions on the HTTP response.
    public var response: ResponseExpectations
    /// Values bound for later steps.
    public var captures: [Capture]
    /// Events that must (or must not) follow.
    public var events: [EventExpectation]
    /// Caches that must be invalidated after the step.
    public var caches: [CacheExpectation] = []
    /// Where the step is written.
    public var location: SourceLocation
    /// The agent action the step belongs to (`action:`): `herald agent` runs it when an orchestrator asks for that
    /// action; `herald run` runs every step in order whatever its action.
    public var actionName: String? = nil

    /// A short label: the name, or the action as written.
    public var label: String { name ?? action.summary }
}

/// What a step does.
public enum Action: Sendable {
    /// An HTTP request.
    case http(HTTPAction)
    /// An HTTP request repeated until a condition holds.
    case poll(PollAction)
    /// A message sent on a channel.
    case send(SendAction)
    /// A pause.
    case sleep(Duration)
    /// A shell command; it must exit 0.
    case shell(ShellAction)
    /// A message published on a broker (NATS, Redis or MQTT, by the service's URL scheme).
    case publish(PublishAction)
    /// A NATS request; the reply is judged like an HTTP response body.
    case request(PublishAction)
    /// A Redis command.
    case redis(RedisCommandAction)
    /// An SQL query, once or polled.
    case sql(SQLAction)

    /// The action as written.
    public var summary: String {
        switch self {
        case .http(let h): return "\(h.method) \(h.service.map { "\($0) " } ?? "")\(h.target.raw)"
        case .poll(let p): return "poll \(p.request.method) \(p.request.service.map { "\($0) " } ?? "")\(p.request.target.raw)"
        case .send(let s): return "send on \(s.channel)"
        case .sleep(let d): return "sleep \(DurationText.format(d))"
        case .shell(let s): return "shell: \(s.command.raw)"
        case .publish(let p): return "publish \(p.service.map { "\($0) " } ?? "")\(p.subject.raw)"
        case .request(let p): return "request \(p.service.map { "\($0) " } ?? "")\(p.subject.raw)"
        case .redis(let r): return "redis \(r.service.map { "\($0) " } ?? "")\(r.command.map(\.raw).joined(separator: " "))"
        case .sql(let q): return "\(q.poll == nil ? "sql" : "poll sql") \(q.service): \(q.query)"
        }
    }
}

/// An HTTP request as written.
public struct HTTPAction: Sendable {
    /// The method.
    public var method: String
    /// The service whose URL prefixes the target, if any.
    public var service: String?
    /// The path (with a service) or a full URL.
    public var target: Template
    /// Request headers.
    public var headers: [(name: String, value: Template)]
    /// Query parameters, appended URL-encoded.
    public var query: [(name: String, value: Template)]
    /// The body.
    public var body: Payload?
    /// The request timeout, if not the contract's default.
    public var timeout: Duration?
    /// HTTP basic auth for this request (`auth: { basic: [user, password] }`), instead of the service's.
    public var auth: Credentials? = nil
    /// An HMAC signature of the body sent in a header (`sign:`).
    public var sign: BodySignature? = nil

    /// Creates a request description.
    public init(method: String, service: String?, target: Template, headers: [(name: String, value: Template)] = [],
                query: [(name: String, value: Template)] = [], body: Payload? = nil, timeout: Duration? = nil) {
        self.method = method
        self.service = service
        self.target = target
        self.headers = headers
        self.query = query
        self.body = body
        self.timeout = timeout
    }
}

/// A request repeated until a condition holds or its deadline passes; every distinct value seen is recorded.
public struct PollAction: Sendable {
    /// The request.
    public var request: HTTPAction
    /// How it is repeated, and what it waits for.
    public var polling: Polling

    /// The condition on the response body.
    public var until: Matcher { polling.until }
    /// The pause between attempts.
    public var every: Duration { polling.every }
    /// The deadline.
    public var within: Duration { polling.within }
    /// A JSONPath whose distinct values are recorded.
    public var record: JSONPath? { polling.record }
    /// Values that must have been seen, in this order.
    public var seen: [JSONValue]? { polling.seen }

    /// Creates a poll of `request`.
    public init(request: HTTPAction, polling: Polling) {
        self.request = request
        self.polling = polling
    }
}

/// A message sent on a channel's connection.
public struct SendAction: Sendable {
    /// The channel.
    public var channel: String
    /// The message.
    public var payload: Payload
}

/// A message for a broker: `publish: "bus orders.created"` (or `request:`), with `json:` or `text:`.
public struct PublishAction: Sendable {
    /// The broker service (`nil` when a full URL is written).
    public var service: String?
    /// The subject (NATS), channel (Redis) or topic (MQTT).
    public var subject: Template
    /// The message.
    public var payload: Payload
    /// NATS headers.
    public var headers: [(name: String, value: Template)]
    /// MQTT quality of service.
    public var qos: Int
    /// MQTT retained flag.
    public var retain: Bool
    /// How long a request waits for its reply.
    public var timeout: Duration?
    /// Creates a message description.
    public init(service: String?, subject: Template, payload: Payload, headers: [(name: String, value: Template)] = [],
                qos: Int = 0, retain: Bool = false, timeout: Duration? = nil) {
        self.service = service
        self.subject = subject
        self.payload = payload
        self.headers = headers
        self.qos = qos
        self.retain = retain
        self.timeout = timeout
    }
}

/// A Redis command: `redis: "cache DEL order:${id}"` or `redis: cache` with `command: [SET, key, value]`.
public struct RedisCommandAction: Sendable {
    /// The Redis service.
    public var service: String?
    /// The command and its arguments.
    public var command: [Template]
}

/// A cache that must be invalidated after a step: a Redis key, or an HTTP resource that must revalidate.
public struct CacheExpectation: Sendable {
    /// What is watched.
    public enum Target: Sendable {
        /// A Redis key of a service.
        case redisKey(service: String?, key: Template)
        /// An HTTP resource: read before the step (its ETag / Last-Modified kept), then asked conditionally until it
        /// no longer answers 304.
        case http(HTTPAction)
    }

    /// What must become true.
    public enum Condition: Sendable {
        /// The key is gone.
        case absent
        /// The key exists.
        case present
        /// The key's value (JSON when it parses) matches.
        case equals(Matcher)
        /// The resource serves a fresh copy (not 304 to the old validators), whose body matches, when given.
        case revalidates(body: Matcher?)
    }

    /// What is watched.
    public var target: Target
    /// What must become true.
    public var condition: Condition
    /// The actor whose credentials an HTTP check uses.
    public var actor: ActorReference?
    /// The deadline, if not the contract's default `within`.
    public var within: Duration?
    /// A ticket: failing is a declared known gap.
    public var knownGap: String?
    /// Where it is written.
    public var location: SourceLocation
}

/// A shell command.
public struct ShellAction: Sendable {
    /// The command line, run with `/bin/sh -c`.
    public var command: Template
    /// How long it may take.
    public var timeout: Duration
}

/// Assertions on an HTTP response.
public struct ResponseExpectations: Sendable {
    /// The status (or statuses).
    public var status: Matcher?
    /// Headers (case-insensitive names).
    public var headers: [(name: String, matcher: Matcher, location: SourceLocation)]
    /// The body, partially matched; keys can be JSONPaths.
    public var body: Matcher?
    /// Where `expect:` is written.
    public var location: SourceLocation?
    /// Creates empty expectations.
    public init() { headers = [] }
    /// Whether anything is asserted.
    public var isEmpty: Bool { status == nil && headers.isEmpty && body == nil }
}

/// A value bound from a response or an event for later steps.
public struct Capture: Sendable {
    /// Where the value comes from.
    public enum Source: Sendable {
        /// A JSONPath into the body or the frame.
        case path(JSONPath)
        /// A response header.
        case header(String)
        /// The response status.
        case status
    }

    /// The variable name.
    public var name: String
    /// Its source.
    public var source: Source
    /// Where it is written.
    public var location: SourceLocation
}

/// An expectation on the events of one channel (or, for a sequence, several) after a step's trigger.
public struct EventExpectation: Sendable {
    /// What is expected.
    public enum Kind: Sendable {
        /// A matching event arrives within the timeout (and, with `recipients`, reaches exactly those actors).
        case match
        /// Exactly `count` matching events arrive within the window.
        case count(Int)
        /// No matching event arrives during the window.
        case absent
        /// Events arrive in this order.
        case sequence([SequenceItem], strict: Bool)
    }

    /// The channel.
    public var channel: String
    /// What is expected.
    public var kind: Kind
    /// The event to look for (for match, count, absent).
    public var matcher: Matcher
    /// The subject, topic, Redis channel or SSE event name the event must arrive on (`subject:`, `topic:` or `event:`).
    public var subject: Matcher?
    /// Message headers the event must carry (NATS), by case-insensitive name.
    public var headers: [(name: String, matcher: Matcher)] = []
    /// Only this actor's connection is watched.
    public var actor: ActorReference?
    /// Exactly these actors must receive the event; any other subscribed actor receiving it is a wrong recipient.
    public var recipients: [ActorReference]?
    /// Timeout or window, if not the contract's default.
    public var within: Duration?
    /// Values bound from the matching event.
    public var captures: [Capture]
    /// A ticket: failing is a declared known gap.
    public var knownGap: String?
    /// Where it is written.
    public var location: SourceLocation
    /// Where its window opens: at the step's trigger, when the watched connection opened (`from: connect`), for
    /// what a server pushes as soon as a client connects (a welcome, a snapshot), or at an earlier step's trigger
    /// (`from: step 2`), for an order that spans several calls.
    public var from: Origin = .trigger
    /// Bounds on the delivery latency (`latency: { p95: 200ms }`): each delivery of a plain run must keep to the
    /// tightest; in a load run, the percentiles of every flow's deliveries at each level must.
    public var latency: [LatencyLimit] = []

    /// Where an expectation's window opens.
    public enum Origin: Sendable, Hashable {
        /// When the step's action starts.
        case trigger
        /// When the watched connection opened (the earliest of them, when several are watched).
        case connect
        /// When an earlier step's action started: `from: step 2`, or `from:` that step's name.
        case step(StepReference)
    }
}

/// A contract step named in another: by its number among the steps (from 1, as reports show it), or by its `name:`.
public enum StepReference: Sendable, Hashable, CustomStringConvertible {
    /// `step 2`.
    case number(Int)
    /// A step's `name:`.
    case name(String)

    /// `step 2`, or the name in quotes.
    public var description: String {
        switch self {
        case .number(let n): "step \(n)"
        case .name(let n): "'\(n)'"
        }
    }
}

/// One element of a `sequence`: a matcher, optionally on another channel.
public struct SequenceItem: Sendable {
    /// The channel, when it is not the expectation's.
    public var channel: String?
    /// The event.
    public var matcher: Matcher
    /// The subject, topic, Redis channel or SSE event name it must arrive on.
    public var subject: Matcher?
    /// Where it is written.
    public var location: SourceLocation
}
