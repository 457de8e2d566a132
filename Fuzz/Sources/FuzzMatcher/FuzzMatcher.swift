import FuzzSupport
import Foundation
import HeraldContract
import HeraldCore
import HeraldJudge

/// The input's first line is a matcher as a contract writes it after `match:` (JSON is YAML too); the rest is a
/// frame. The target checks what the judges rely on:
/// - ``JSONParser`` accepts whatever Foundation's `JSONSerialization` accepts (fragments allowed) in UTF-8 without a
///   byte order mark (it is more lenient, so not the other way);
/// - a ``JSONTape`` exists for an object or array exactly when the parser accepts it, and its root's value is the
///   parsed value;
/// - a parsed value, encoded and parsed again, is the same value (when its numbers are finite);
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
    // JSONParser, and JSONTape with it, is more lenient than RFC 8259: invalid UTF-8 and escaped lone surrogates are
    // U+FFFD, a number may have leading zeros or end with '.'. So the check goes one way: what JSONSerialization
    // accepts, it accepts. Except where JSONSerialization is the lenient one: it guesses UTF-16 or UTF-32 from a NUL
    // among the first four bytes, skips a byte order mark, and takes a comma before ']' or '}'.
    if !frame.prefix(4).contains(0), !frame.starts(with: [0xEF, 0xBB, 0xBF]), !hasTrailingComma(frame),
       (try? JSONSerialization.jsonObject(with: Data(frame), options: [.fragmentsAllowed])) != nil {
        require(value != nil, "JSONSerialization accepts what JSONParser refuses")
    }
    // A number too large for a Double parses as infinity, which JSON text has no way to write: encoded() writes null.
    if let value, allFinite(value) {
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

/// Whether every number in `value` is finite.
func allFinite(_ value: JSONValue) -> Bool {
    switch value {
    case .number(let n): return n.isFinite
    case .array(let items): return items.allSatisfy(allFinite)
    case .object(let members): return members.values.allSatisfy(allFinite)
    default: return true
    }
}

/// Whether a ',' in `frame` is followed by ']' or '}' (whitespace between), in a string or not.
func hasTrailingComma(_ frame: [UInt8]) -> Bool {
    var afterComma = false
    for b in frame {
        switch b {
        case UInt8(ascii: ","): afterComma = true
        case 0x20, 0x0A, 0x0D, 0x09: continue
        case UInt8(ascii: "]"), UInt8(ascii: "}"): if afterComma { return true }
        default: afterComma = false
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
