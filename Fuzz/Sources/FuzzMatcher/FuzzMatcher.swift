import Foundation
import HeraldContract
import HeraldCore
import HeraldJudge

/// The input's first line is a matcher as a contract writes it after `match:` (JSON is YAML too); the rest is a
/// frame. The target checks what the judges rely on:
/// - ``JSONParser`` accepts exactly what Foundation's `JSONSerialization` accepts (fragments allowed), on UTF-8
///   without a BOM, a NUL where Foundation would guess UTF-16 or UTF-32, or an escaped lone surrogate (which the
///   parser reads as U+FFFD);
/// - a ``JSONTape`` exists for an object or array exactly when the parser accepts it, and its root's value is the
///   parsed value;
/// - a parsed value, encoded and parsed again, is the same value;
/// - the ``TapeMatcher`` compiled from the matcher answers what ``Matcher/matches(_:)`` answers on the parsed value,
///   `differences` is empty exactly when it matches, and a match has closeness 1.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMatcher(_ start: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: start, count: size))
    let newline = input.firstIndex(of: UInt8(ascii: "\n")) ?? input.count
    let frame = Array(input[min(newline + 1, input.count)...])
    let value = checkParsers(frame)
    guard let matcher = matcher(String(decoding: input[..<newline], as: UTF8.self)) else { return 0 }
    let matches = matcher.matches(value)
    require(matcher.differences(value).isEmpty == matches, "differences disagree with matches: \(matcher) on \(String(describing: value))")
    let closeness = matcher.closeness(value)
    require(closeness >= 0 && closeness <= 1 && (!matches || closeness == 1), "closeness \(closeness), matches \(matches)")
    if let tape = JSONTape(frame) {
        let onTape = TapeMatcher(matcher).matches(tape, JSONTape.root)
        require(onTape == matches, "TapeMatcher says \(onTape), Matcher says \(matches): \(matcher) on \(String(describing: value))")
    }
    return 0
}

/// Parses `frame` every way the judges do and checks that they agree; returns the parsed value, if it is JSON.
func checkParsers(_ frame: [UInt8]) -> JSONValue? {
    let value = try? JSONParser.parse(frame)
    // JSONParser reads invalid UTF-8 in a string as U+FFFD, as a WebSocket or SSE text would be, where
    // JSONSerialization refuses the document; and JSONSerialization guesses UTF-16 or UTF-32 from a NUL among the
    // first four bytes, and skips a byte order mark, where frames are UTF-8. The two are compared on the rest.
    // JSONParser also reads a \u escape of a surrogate without its pair as U+FFFD, where JSONSerialization refuses it.
    let guessed = frame.prefix(4).contains(0) || frame.starts(with: [0xEF, 0xBB, 0xBF])
    if !guessed, !hasSurrogateEscape(frame), String(validating: frame, as: UTF8.self) != nil {
        let foundation = (try? JSONSerialization.jsonObject(with: Data(frame), options: [.fragmentsAllowed])) != nil
        require(foundation == (value != nil), "JSONSerialization says \(foundation), JSONParser says \(value != nil)")
    }
    if let value {
        let again = try? JSONParser.parse(value.encoded())
        require(again == value, "\(value) encoded as \(value.encoded()) parses as \(String(describing: again))")
    }
    let tape = JSONTape(frame)
    switch value {
    case .object?, .array?:
        require(tape != nil, "no tape for a parsed object or array")
        require(tape!.value(at: JSONTape.root) == value, "the tape's value \(tape!.value(at: JSONTape.root)) is not \(value!)")
    default:
        require(tape == nil, "a tape for what is not a parsed object or array")
    }
    return value
}

/// Whether `frame` holds a `\u` escape of a UTF-16 surrogate (D800 to DFFF).
func hasSurrogateEscape(_ frame: [UInt8]) -> Bool {
    guard frame.count >= 4 else { return false }
    for i in 0..<(frame.count - 3) where frame[i] == UInt8(ascii: "\\") && frame[i + 1] == UInt8(ascii: "u") {
        let d = frame[i + 2] | 0x20, next = frame[i + 3] | 0x20
        if d == UInt8(ascii: "d"), (UInt8(ascii: "8")...UInt8(ascii: "9")).contains(next) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(next) {
            return true
        }
    }
    return false
}

/// The matcher of the one expectation of a contract whose `match:` is `line`, when it loads and has no `${…}`.
func matcher(_ line: String) -> Matcher? {
    guard !line.isEmpty else { return nil }
    let text = """
        contract: fuzz
        services: { api: { url: "http://127.0.0.1:1" } }
        channels: { c: { websocket: "api /ws" } }
        steps:
          - sleep: 1ms
            events:
              - channel: c
                match: \(line)
        """
    guard let contract = try? ContractLoader.parse(text, file: "fuzz.yaml"),
          let matcher = contract.steps.first?.events.first?.matcher, !matcher.hasTemplateReference else { return nil }
    return matcher
}
