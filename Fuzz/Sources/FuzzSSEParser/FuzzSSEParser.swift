import FuzzSupport
import HeraldCore
import HeraldTransport

/// What a stream's events and state come to, without the arrival times.
struct Outcome: Equatable {
    var events: [[String?]] = []
    var lastEventID: String?
    var reconnectionTime: Duration?

    mutating func add(_ batch: [SSEEvent]) {
        events += batch.map { [$0.event, $0.id, $0.data, $0.retry.map { "\($0)" }] }
    }
}

/// Parses `stream` fed in the chunks that `cuts` (sorted offsets) makes of it, then ends the stream.
func parse(_ stream: ArraySlice<UInt8>, cuts: [Int]) -> Outcome {
    var parser = SSEParser(lastEventID: "seed")
    var outcome = Outcome()
    let at = MonotonicInstant.now()
    var from = stream.startIndex
    for cut in cuts + [stream.count] {
        let to = stream.startIndex + cut
        outcome.add(parser.feed(stream[from..<to], receivedAt: at))
        from = to
    }
    parser.finish()
    outcome.lastEventID = parser.lastEventID
    outcome.reconnectionTime = parser.reconnectionTime
    return outcome
}

/// The input's first two bytes choose where to cut the rest; the stream parsed whole, in two chunks and byte by byte
/// must give the same events, last event ID and reconnection time. Each event's type is never empty, and an ID never
/// holds NUL nor is empty.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSEParser(_ start: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = Array(UnsafeBufferPointer(start: start, count: size))
    guard input.count >= 2 else { return 0 }
    let stream = input[2...]
    let cut = (Int(input[0]) << 8 | Int(input[1])) % (stream.count + 1)
    let whole = parse(stream, cuts: [])
    let split = parse(stream, cuts: [cut])
    let bytewise = parse(stream, cuts: Array(0..<stream.count))
    require(whole == split, "split at \(cut): \(whole) != \(split)")
    require(whole == bytewise, "byte by byte: \(whole) != \(bytewise)")
    for event in whole.events {
        require(event[0]?.isEmpty == false, "an event without a type: \(event)")
        if let id = event[1] { require(!id.isEmpty && !id.utf8.contains(0), "a bad ID: \(event)") }
    }
    return 0
}
