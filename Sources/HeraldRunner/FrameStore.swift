import HeraldCore
import HeraldJudge
import Synchronization

/// The frames and unexpected disconnects of a contract's channels, appended by reader tasks and read by the judge.
final class FrameStore: Sendable {
    private let state = Mutex<(frames: [ObservedFrame], disconnects: [ObservedDisconnect])>(([], []))

    func append(_ frame: ObservedFrame) { state.withLock { $0.frames.append(frame) } }
    func append(_ disconnect: ObservedDisconnect) { state.withLock { $0.disconnects.append(disconnect) } }

    var frames: [ObservedFrame] { state.withLock { $0.frames } }
    var disconnects: [ObservedDisconnect] { state.withLock { $0.disconnects } }
    var snapshot: (frames: [ObservedFrame], disconnects: [ObservedDisconnect]) { state.withLock { $0 } }

    /// The frames from position `start` on, copied (the store's own array stays unshared, so appending does not copy
    /// it), and how many disconnects there are so far.
    func tail(from start: Int) -> (frames: [ObservedFrame], end: Int, disconnects: Int) {
        state.withLock { s in
            (start < s.frames.count ? Array(s.frames[start...]) : [], s.frames.count, s.disconnects.count)
        }
    }
}
