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

    /// The fields, in one box shared by copies until one changes.
    private struct Fields: Sendable {
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
    }

    private var storage: CopyOnWrite<Fields>

    /// Verdict id.
    public var id: String { get { storage.fields.id } set { storage.fields.id = newValue } }
    /// Contract name.
    public var contract: String { get { storage.fields.contract } set { storage.fields.contract = newValue } }
    /// Step label.
    public var step: String { get { storage.fields.step } set { storage.fields.step = newValue } }
    /// Where it is written.
    public var location: SourceLocation? { get { storage.fields.location } set { storage.fields.location = newValue } }
    /// Known-gap ticket.
    public var knownGap: String? { get { storage.fields.knownGap } set { storage.fields.knownGap = newValue } }
    /// The channel.
    public var channel: String { get { storage.fields.channel } set { storage.fields.channel = newValue } }
    /// What is expected.
    public var kind: Kind {
        get { storage.fields.kind }
        _modify { yield &storage.fields.kind }
    }
    /// The rendered matcher (for match, count, absent).
    public var matcher: Matcher {
        get { storage.fields.matcher }
        set {
            storage.fields.matcher = newValue
            storage.fields.compiled = TapeMatcher(newValue)
        }
    }
    /// The subject or topic the event must arrive on (for match, count, absent).
    public var subject: Matcher? { get { storage.fields.subject } set { storage.fields.subject = newValue } }
    /// Headers the event must carry, by lowercased name (for match, count, absent).
    public var headers: [(name: String, matcher: Matcher)] {
        get { storage.fields.headers }
        _modify { yield &storage.fields.headers }
    }
    /// The one watched connection's actor instance, if restricted.
    public var actor: String? { get { storage.fields.actor } set { storage.fields.actor = newValue } }
    /// Exactly these actor instances must receive the event.
    public var recipients: [String]? {
        get { storage.fields.recipients }
        _modify { yield &storage.fields.recipients }
    }
    /// The actor instances subscribed to the channel (empty for a shared connection).
    public var subscribers: [String] {
        get { storage.fields.subscribers }
        _modify { yield &storage.fields.subscribers }
    }
    /// Timeout or window.
    public var within: Duration { get { storage.fields.within } set { storage.fields.within = newValue } }
    /// The `latency:` bounds, carried on to the verdict.
    public var latencyLimits: [LatencyLimit] {
        get { storage.fields.latencyLimits }
        _modify { yield &storage.fields.latencyLimits }
    }
    /// Whether a delivery slower than the tightest bound fails the verdict (`.slow`): in a plain run; a load run
    /// checks the percentiles of all its flows' deliveries instead.
    public var judgesLatency: Bool { get { storage.fields.judgesLatency } set { storage.fields.judgesLatency = newValue } }

    /// Creates an expectation.
    public init(id: String, contract: String, step: String, location: SourceLocation?, knownGap: String?, channel: String,
                kind: Kind, matcher: Matcher, compiled: TapeMatcher? = nil, subject: Matcher? = nil, actor: String?,
                recipients: [String]?, subscribers: [String], within: Duration) {
        storage = CopyOnWrite(Fields(id: id, contract: contract, step: step, location: location, knownGap: knownGap,
                                     channel: channel, kind: kind, matcher: matcher, compiled: compiled ?? TapeMatcher(matcher),
                                     subject: subject, actor: actor, recipients: recipients, subscribers: subscribers,
                                     within: within))
    }

    /// Whether `frame` is the event this expectation looks for, on any connection of its channel: its subject (when
    /// one is asked for) and its payload match.
    public func accepts(_ frame: ObservedFrame) -> Bool {
        // Each field is read in place: a copy of the fields would count a reference to each of them.
        frame.channel == storage.fields.channel
            && (storage.fields.subject.map { $0.matches(frame.subject.map(JSONValue.string)) } ?? true)
            && storage.fields.headers.allSatisfy { $0.matcher.matches(frame.headers[$0.name].map(JSONValue.string)) }
            && frame.matches(storage.fields.matcher, compiled: storage.fields.compiled)
    }

    /// The verdict kind this expectation produces.
    public var verdictKind: Verdict.Kind {
        switch storage.fields.kind {
        case .match: storage.fields.recipients == nil ? .match : .recipients
        case .count: .count
        case .absent: .absent
        case .sequence: .sequence
        }
    }
}
