import HeraldCore
import Testing

/// The timeline keeps its entries in chunks: positions, ranges and the whole read back the same across their edges.
@Suite struct TimelineRecorderTests {
    @Test("entries read back by position, from a position and whole, across chunks")
    func acrossChunks() {
        let timeline = TimelineRecorder()
        let n = 1_300
        for i in 0..<n { #expect(timeline.record(.note("n\(i)")) == i) }
        #expect(timeline.count == n)
        let all = timeline.entries
        #expect(all.map(\.seq) == Array(0..<n))
        #expect(all.map(\.event) == (0..<n).map { TimelineEvent.note("n\($0)") })
        #expect(timeline.entries(at: [0, 511, 512, 1023, 1024, 1299]).map(\.seq) == [0, 511, 512, 1023, 1024, 1299])
        #expect(timeline.entries(from: 510).map(\.seq) == Array(510..<n))
        #expect(timeline.entries(from: n).isEmpty && timeline.entries(from: n + 5).isEmpty)
    }
}
