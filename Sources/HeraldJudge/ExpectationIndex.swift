import HeraldContract
import HeraldCore

/// Pending expectations indexed by channel and by the literal value of one discriminating field, so that a frame is
/// offered to a handful of candidates instead of every pending expectation.
///
/// An expectation whose matcher says `type: offer.accepted` (a member compared with a literal scalar) is filed under
/// that path and value; a frame is looked up by evaluating each indexed path once. Which of an expectation's literals
/// files it is chosen per batch: the path whose literals differ most among the expectations of the channel (`n: 17`
/// over `type: tick` when a hundred expectations all say `type: tick`). Expectations without a usable literal (an
/// operator, a strict sequence, a channel-wide watch) are candidates for every frame of their channel.
///
/// The index never loses a frame that can decide an expectation: every frame for which `EventJudge.canDecide` holds is
/// among the candidates (it may give more, which the caller checks).
public struct ExpectationIndex: Sendable {
    /// An expectation's number, given by the caller.
    public typealias ID = Int

    /// Where one expectation (or one item of a sequence) is filed.
    struct Key: Hashable, Sendable {
        var channel: String
        var path: JSONPath?
        var value: JSONValue?
    }

    /// The expectations filed under one path of a channel, by value, with the path compiled for tapes.
    private struct Bucket: Sendable {
        var lookup: TapePath
        var byValue: [JSONValue: [ID: Int]] = [:]
        init(_ path: JSONPath) { lookup = TapePath(path) }
    }

    /// The expectations filed under one channel.
    private struct Channel: Sendable {
        var unindexed: [ID: Int] = [:]
        var byPath: [JSONPath: Bucket] = [:]
        /// How many expectations are filed here more than once (items of a sequence): their candidates need deduplicating.
        var repeated = 0
    }

    private var channels: [String: Channel] = [:]
    private var keys: [ID: [Key]] = [:]
    /// Up to this many expectations filed, a batch is filed under its channels only: offering each frame to so few
    /// costs less than choosing and filing literals for them (a step that waits on one event, the common case).
    private let smallLimit: Int

    /// An empty index. While it holds at most `smallLimit` expectations, new ones are filed under their channels
    /// without a literal (every frame of the channel is offered to them).
    public init(smallLimit: Int = 8) { self.smallLimit = smallLimit }

    /// The number of expectations filed.
    public var count: Int { keys.count }

    /// Files a batch of expectations (a step's). Choosing keys per batch lets the discriminating field win.
    public mutating func insert(_ batch: [(id: ID, expectation: BoundExpectation)]) {
        if keys.count + batch.count <= smallLimit {
            for (id, e) in batch { add(id, Self.channels(of: e).map { Key(channel: $0, path: nil, value: nil) }) }
            return
        }
        let options = batch.map { Self.options(for: $0.expectation) }
        let counts = batch.count == 1 ? [:] : distinctCounts(options)
        for ((id, _), list) in zip(batch, options) {
            var filed: [Key] = []
            filed.reserveCapacity(list.count)
            for option in list {
                var best: (path: JSONPath, value: JSONValue)?
                if option.literals.count == 1 {
                    best = option.literals[0]
                } else if option.literals.count > 1 {
                    // How many distinct literals the path would have: for a batch of one, what is filed there plus
                    // this literal when it is new (what `distinctCounts` gives for such a batch, without gathering).
                    func count(_ l: (path: JSONPath, value: JSONValue)) -> Int {
                        if batch.count > 1 { return counts[option.channel]?[l.path] ?? 0 }
                        let filed = channels[option.channel]?.byPath[l.path]?.byValue
                        return (filed?.count ?? 0) + (filed?[l.value] == nil ? 1 : 0)
                    }
                    var top = -1
                    for l in option.literals {
                        let c = count(l)
                        if c > top { (best, top) = (l, c) }
                    }
                }
                filed.append(Key(channel: option.channel, path: best?.path, value: best?.value))
            }
            add(id, filed)
        }
    }

    /// For each channel and path named by the batch: how many distinct literals it would have with the batch filed
    /// (what is filed already, and what of the batch is not), counted without gathering the union.
    private func distinctCounts(_ options: [[Option]]) -> [String: [JSONPath: Int]] {
        var distinct: [String: [JSONPath: Set<JSONValue>]] = [:]
        for list in options {
            for option in list {
                for (path, value) in option.literals { distinct[option.channel, default: [:]][path, default: []].insert(value) }
            }
        }
        var counts: [String: [JSONPath: Int]] = [:]
        for (channel, paths) in distinct {
            for (path, values) in paths {
                let filed = channels[channel]?.byPath[path]?.byValue
                counts[channel, default: [:]][path] = (filed?.count ?? 0) + values.filter { filed?[$0] == nil }.count
            }
        }
        return counts
    }

    /// Removes an expectation.
    public mutating func remove(_ id: ID) {
        guard let filed = keys.removeValue(forKey: id) else { return }
        for name in Self.repeatedChannels(filed) { channels[name]?.repeated -= 1 }
        // In place: taking a channel out to change it would copy its dictionaries. A path's bucket stays when it
        // empties (with its path compiled), for the next step that files expectations under it.
        for key in filed {
            if let path = key.path, let value = key.value {
                channels[key.channel]?.byPath[path]?.byValue[value]?[id] = nil
                if channels[key.channel]?.byPath[path]?.byValue[value]?.isEmpty == true {
                    channels[key.channel]?.byPath[path]?.byValue[value] = nil
                }
            } else {
                channels[key.channel]?.unindexed[id] = nil
            }
        }
    }

    /// The expectations `frame` may decide, each once, in no particular order.
    public func candidates(for frame: ObservedFrame) -> [ID] {
        var out: [ID] = []
        candidates(for: frame, into: &out)
        return out
    }

    /// The expectations `frame` may decide, each once, written into `out` (emptied first, its storage kept: the
    /// caller offers every frame of a burst through one buffer).
    public func candidates(for frame: ObservedFrame, into out: inout [ID]) {
        out.removeAll(keepingCapacity: true)
        guard let channel = channels[frame.channel] else { return }
        out.append(contentsOf: channel.unindexed.keys)
        for bucket in channel.byPath.values where !bucket.byValue.isEmpty {
            guard let value = frame.value(at: bucket.lookup), let ids = bucket.byValue[Self.normalised(value)] else { continue }
            out.append(contentsOf: ids.keys)
        }
        // An expectation filed twice (two items of a sequence) is offered once.
        if channel.repeated > 0, out.count > 1 {
            out.sort()
            var kept = 1
            for i in 1..<out.count where out[i] != out[kept - 1] {
                out[kept] = out[i]
                kept += 1
            }
            out.removeLast(out.count - kept)
        }
    }

    private mutating func add(_ id: ID, _ filed: [Key]) {
        keys[id, default: []].append(contentsOf: filed)
        for name in Self.repeatedChannels(filed) { channels[name, default: Channel()].repeated += 1 }
        for key in filed {
            if let path = key.path, let value = key.value {
                channels[key.channel, default: Channel()].byPath[path, default: Bucket(path)].byValue[value, default: [:]][id, default: 0] += 1
            } else {
                channels[key.channel, default: Channel()].unindexed[id, default: 0] += 1
            }
        }
    }

    /// The channels under which `filed` files one expectation more than once (a sequence's items), each once.
    private static func repeatedChannels(_ filed: [Key]) -> [String] {
        guard filed.count > 1 else { return [] }
        var names: [String] = []
        for (i, key) in filed.enumerated() where !names.contains(key.channel)
            && filed[(i + 1)...].contains(where: { $0.channel == key.channel }) {
            names.append(key.channel)
        }
        return names
    }

    /// One place an expectation must be filed (a channel), with the literals it could be filed under there.
    struct Option {
        var channel: String
        var literals: [(path: JSONPath, value: JSONValue)]
    }

    /// The channels `e` is filed under, as ``options(for:)`` names them.
    static func channels(of e: BoundExpectation) -> [String] {
        if case .sequence(let items, _) = e.kind { return items.map(\.channel) }
        return [e.channel]
    }

    /// Where `e` must be filed: its channel, or for a sequence each item's channel. A strict sequence is decided by
    /// any frame between its items, so it is filed under its channels without a literal.
    static func options(for e: BoundExpectation) -> [Option] {
        switch e.kind {
        case .sequence(let items, let strict):
            return items.map { Option(channel: $0.channel, literals: strict ? [] : literals(of: $0.matcher)) }
        case .match, .count, .absent:
            return [Option(channel: e.channel, literals: literals(of: e.matcher))]
        }
    }

    /// The members of `matcher` that compare a single-valued path with a literal scalar, nested objects included
    /// (`{ order: { id: o-1 } }` gives `$.order.id`).
    static func literals(of matcher: Matcher) -> [(path: JSONPath, value: JSONValue)] {
        switch matcher {
        case .object(let members):
            return members.flatMap { m -> [(path: JSONPath, value: JSONValue)] in
                guard !m.path.isMulti else { return [] }
                switch m.matcher {
                case .equals(let v):
                    switch v {
                    case .string, .number, .bool, .null: return [(m.path, normalised(v))]
                    case .array, .object: return []
                    }
                case .object:
                    // A nested object matches at its member's path: its literals are found below it, when both
                    // paths are plain field names.
                    guard let outer = fieldNames(m.path) else { return [] }
                    return literals(of: m.matcher).compactMap { inner in
                        fieldNames(inner.path).map { (JSONPath(fields: outer + $0), inner.value) }
                    }
                default:
                    return []
                }
            }
        case .all(let ms):
            return ms.flatMap(literals(of:))
        default:
            return []
        }
    }

    /// The names of a path made of field names only (`$.order.id`), or `nil`.
    private static func fieldNames(_ path: JSONPath) -> [String]? {
        var names: [String] = []
        for c in path.components {
            guard case .field(let name) = c else { return nil }
            names.append(name)
        }
        return names
    }

    /// The key a value is filed and looked up under: values that `Matcher.equal` holds equal share one (a number and
    /// its text, `42` and `"42"`). Different values may share one too; candidates are checked with the matcher.
    static func normalised(_ value: JSONValue) -> JSONValue {
        if case .string(let s) = value, mayBeNumber(s), let n = Double(s) { return .number(n) }
        return value
    }

    /// Whether `Double(s)` may read `s`: it starts with a digit, a sign, a point, or the i or n of inf and nan. Most
    /// discriminating texts (`offer.accepted`) do not, and are not handed to the number parser at all.
    static func mayBeNumber(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return false }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "i"), UInt8(ascii: "I"), UInt8(ascii: "n"), UInt8(ascii: "N"):
            return true
        default:
            return false
        }
    }
}
