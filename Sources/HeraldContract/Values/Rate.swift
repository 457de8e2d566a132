/// An arrival rate for an open-model load run: `100/900s` starts 100 flows in 900 seconds, one every 9 s;
/// `5/s` five a second; `2/1m` two a minute.
///
/// Read here, from `--rate` or a contract's `load: { rate: … }`; the load runner starts flows at these times
/// whatever the flows under way are doing, which is what exposes a server that stalls.
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    /// Flows in each period.
    public var count: Int
    /// The period.
    public var period: Duration
    /// As written.
    public var description: String

    /// Why a rate cannot be read.
    public struct ParseError: Error, CustomStringConvertible {
        /// What is wrong, with what is accepted.
        public var description: String
    }

    /// The time between two scheduled starts.
    public var interval: Duration { period / count }

    /// A rate of `count` flows per `period`.
    public init(count: Int, per period: Duration) {
        self.count = count
        self.period = period
        description = "\(count)/\(DurationText.format(period))"
    }

    /// Reads `text`: a whole number of flows, `/`, and a period with its unit (`900s`, `1m`) or a bare unit (`s`).
    public init(_ text: String) throws(ParseError) {
        let written = text.filter { $0 != " " }
        let parts = written.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, let n = Int(parts[0]), n >= 1 else {
            throw ParseError(description: "'\(text)' is not a rate: write flows/period, as in 100/900s, 5/s or 2/1m")
        }
        let periodText = parts[1].first.map({ $0.isLetter }) == true ? "1" + parts[1] : parts[1]
        guard let period = DurationText.parse(periodText), period > .zero else {
            throw ParseError(description: "'\(parts[1])' in '\(text)' is not a period: write 900s, 1m or s")
        }
        guard period / n >= .milliseconds(1) else {
            throw ParseError(description: "'\(text)' starts a flow more often than once a millisecond: lower the rate")
        }
        count = n
        self.period = period
        description = text
    }

    /// Reads a comma-separated list of rates (`1/s,2/s,4/s`): the levels of an open-model load run.
    public static func list(_ text: String) throws(ParseError) -> [Rate] {
        var out: [Rate] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) { out.append(try Rate(String(part))) }
        return out
    }
}
