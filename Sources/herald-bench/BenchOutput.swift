import Foundation

/// Where the bench writes: the human text (headline, run lines, table) goes to stdout, or to stderr with `--json`,
/// so that stdout then carries nothing but the JSON lines, one object per scenario.
struct Console: Sendable {
    /// Whether `--json` was given.
    let json: Bool

    /// Writes one line of human text.
    func say(_ line: String = "") {
        if json {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        } else {
            print(line)
        }
    }

    /// Writes `value` as one line of JSON on stdout, when `--json` was given.
    func emit(_ value: BenchJSON) {
        guard json else { return }
        FileHandle.standardOutput.write(Data((value.text + "\n").utf8))
    }
}

/// A JSON value whose object keys keep the order they are written in, so that every line of a scenario reads alike.
indirect enum BenchJSON {
    /// An object, its keys in order.
    case object([(String, BenchJSON)])
    /// An array.
    case array([BenchJSON])
    /// A number, written with at most `places` decimals.
    case number(Double, places: Int)
    /// An integer.
    case int(Int)
    /// A string.
    case string(String)
    /// `null`: not measured.
    case null

    /// The compact JSON text.
    var text: String {
        switch self {
        case .object(let fields):
            return "{" + fields.map { "\(BenchJSON.string($0.0).text):\($0.1.text)" }.joined(separator: ",") + "}"
        case .array(let items):
            return "[" + items.map(\.text).joined(separator: ",") + "]"
        case .number(let v, let places):
            guard v.isFinite else { return "null" }
            let rounded = (v * pow(10, Double(places))).rounded() / pow(10, Double(places))
            return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int(rounded)) : String(rounded)
        case .int(let v):
            return String(v)
        case .string(let s):
            let data = (try? JSONSerialization.data(withJSONObject: [s], options: [.fragmentsAllowed])) ?? Data("[\"\"]".utf8)
            return String(decoding: data.dropFirst().dropLast(), as: UTF8.self)
        case .null:
            return "null"
        }
    }
}
