import HeraldContract
import HeraldCore

/// An event expectation with every variable bound and every actor reference turned into instance names.
///
/// A value held in a box shared by its copies until one of them changes (copy on write): a step's expectation is
/// handed from the binding to its wait, its watch, the judge and the verdict slot, and each hand-over is then one
/// reference count rather than a copy of its dozen strings, arrays and compiled matcher.
public struct BoundExpectation: Sendable {
    /// What is expected.
    public enum Kind: Sendable {
        /// A matching event arrives within the timeout.
        case match
        /// Exactly N matching events arrive within the window, on each watched connection.
        case count(Int)
        /// No matching event arrives within the window.
        case absent
        /// These events arrive in this order.
        case sequence([Item], strict: Bool)
    }

    /// One event of a sequence.
    public struct Item: Sendable {
        /// The channel it arrives on.
        public var channel: String
        /// The event.
        public var matcher: Matcher { didSet { compiled = TapeMatcher(matcher) } }
        /// The subject or topic it arrives on, when that matters.
        public var subject: Matcher?
        /// `matcher`, compiled for frames on their tapes.
        private var compiled: TapeMatcher
        /// Creates an item.
        public init(_ channel: String, _ matcher: Matcher, subject: Matcher? = nil) {
            self.channel = channel
            self.matcher = matcher
            self.subject = subject
            compiled = TapeMatcher(matcher)
        }
        /// Whether `frame` is this event (any connection).
        public func accepts(_ frame: ObservedFrame) -> Bool {
            frame.channel == channel && (subject.map { $0.matches(frame.subject.map(JSONValue.string)) } ?? true)
                && frame.matches(matcher, compiled: compiled)
        }
    }

    /// The fields, shared by copies until one changes.
    ///
    /// `@unchecked Sendable` is sound: a box is changed only through ``unique()``, when the value that changes it holds
    /// the one reference to it, so no other value (on any thread) can see the change; shared boxes are only read.
    private final class Storage: @unchecked Sendable {
        var id: String
        var contract: String
        var step: String
        var location: SourceLocation?
        var knownGap: String?
        var channel: String
        var kind: Kind
        var matcher: Matcher
        var compiled: TapeMatcher
        var subject: Matcher?
        var headers: [(name: String, matcher: Matcher)] = []
        var actor: String?
        var recipients: [String]?
        var subscribers: [String]
        var within: Duration
        var latencyLimits: [LatencyLimit] = []
        var judgesLatency = false

        init(id: String, contract: String, step: String, location: SourceLocation?, knownGap: String?, channel: String,
             kind: Kind, matcher: Matcher, compiled: TapeMatcher, subject: Matcher?, actor: String?, recipients: [String]?,
             subscribers: [String], within: Duration) {
            self.id = id
            self.contract = contract
            self.step = step
            self.location = location
            self.knownGap = knownGap
            self.channel = channel
            self.kind = kind
            self.matcher = matcher
            self.compiled = compiled
            self.subject = subject
            self.actor = actor
            self.recipients = recipients
            self.subscribers = subscribers
            self.within = within
        }

        func copy() -> Storage {
            let c = Storage(id: id, contract: contract, step: step, location: location, knownGap: knownGap, channel: channel,
                            kind: kind, matcher: matcher, compiled: compiled, subject: subject, actor: actor,
                            recipients: recipients, subscribers: subscribers, within: within)
            c.headers = headers
            c.latencyLimits = latencyLimits
            c.judgesLatency = judgesLatency
            return c
        }
    }

    private var storage: Storage

    /// The box, copied first when another value shares it.
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage
    }

    /// Verdict id.
    public var id: String { get { storage.id } set { unique().id = newValue } }
    /// Contract name.
    public var contract: String { get { storage.contract } set { unique().contract = newValue } }
    /// Step label.
    public var step: String { get { storage.step } set { unique().step = newValue } }
    /// Where it is written.
    public var location: SourceLocation? { get { storage.location } set { unique().location = newValue } }
    /// Known-gap ticket.
    public var knownGap: String? { get { storage.knownGap } set { unique().knownGap = newValue } }
    /// The channel.
    public var channel: String { get { storage.channel } set { unique().channel = newValue } }
    /// What is expected.
    public var kind: Kind {
        get { storage.kind }
        _modify { yield &unique().kind }
    }
    /// The rendered matcher (for match, count, absent).
    public var matcher: Matcher {
        get { storage.matcher }
        set {
            let s = unique()
            s.matcher = newValue
            s.compiled = TapeMatcher(newValue)
        }
    }
    /// The subject or topic the event must arrive on (for match, count, absent).
    public var subject: Matcher? { get { storage.subject } set { unique().subject = newValue } }
    /// Headers the event must carry, by lowercased name (for match, count, absent).
    public var headers: [(name: String, matcher: Matcher)] {
        get { storage.headers }
        _modify { yield &unique().headers }
    }
    /// The one watched connection's actor instance, if restricted.
    public var actor: String? { get { storage.actor } set { unique().actor = newValue } }
    /// Exactly these actor instances must receive the event.
    public var recipients: [String]? {
        get { storage.recipients }
        _modify { yield &unique().recipients }
    }
    /// The actor instances subscribed to the channel (empty for a shared connection).
    public var subscribers: [String] {
        get { storage.subscribers }
        _modify { yield &unique().subscribers }
    }
    /// Timeout or window.
    public var within: Duration { get { storage.within } set { unique().within = newValue } }
    /// The `latency:` bounds, carried on to the verdict.
    public var latencyLimits: [LatencyLimit] {
        get { storage.latencyLimits }
        _modify { yield &unique().latencyLimits }
    }
    /// Whether a delivery slower than the tightest bound fails the verdict (`.slow`): in a plain run; a load run
    /// checks the percentiles of all its flows' deliveries instead.
    public var judgesLatency: Bool { get { storage.judgesLatency } set { unique().judgesLatency = newValue } }

    /// Creates an expectation.
    public init(id: String, contract: String, step: String, location: SourceLocation?, knownGap: String?, channel: String,
                kind: Kind, matcher: Matcher, compiled: TapeMatcher? = nil, subject: Matcher? = nil, actor: String?,
                recipients: [String]?, subscribers: [String], within: Duration) {
        storage = Storage(id: id, contract: contract, step: step, location: location, knownGap: knownGap, channel: channel,
                          kind: kind, matcher: matcher, compiled: compiled ?? TapeMatcher(matcher), subject: subject, actor: actor,
                          recipients: recipients, subscribers: subscribers, within: within)
    }

    /// Whether `frame` is the event this expectation looks for, on any connection of its channel: its subject (when
    /// one is asked for) and its payload match.
    public func accepts(_ frame: ObservedFrame) -> Bool {
        let s = storage
        return frame.channel == s.channel && (s.subject.map { $0.matches(frame.subject.map(JSONValue.string)) } ?? true)
            && s.headers.allSatisfy { $0.matcher.matches(frame.headers[$0.name].map(JSONValue.string)) }
            && frame.matches(s.matcher, compiled: s.compiled)
    }

    /// The verdict kind this expectation produces.
    public var verdictKind: Verdict.Kind {
        switch storage.kind {
        case .match: storage.recipients == nil ? .match : .recipients
        case .count: .count
        case .absent: .absent
        case .sequence: .sequence
        }
    }
}
