import Foundation
@testable import HeraldRunner
import Testing

/// `Retry-After` of a 429 answer, read as RFC 9110 writes it.
@Suite("runner: waiting out 429")
struct ThrottleTests {
    @Test("delay-seconds and an HTTP date are waits; a missing, unreadable, negative or too long one is not")
    func retryAfter() {
        #expect(Throttle.wait("1") == .seconds(1))
        #expect(Throttle.wait(" 0 ") == .zero)
        let now = Date(timeIntervalSince1970: 784_111_775)  // Sun, 06 Nov 1994 08:49:35 GMT
        #expect(Throttle.wait("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .seconds(2))
        #expect(Throttle.wait("Sun, 06 Nov 1994 08:49:30 GMT", now: now) == .zero, "a date past is no wait at all")
        #expect(Throttle.wait(nil) == nil)
        #expect(Throttle.wait("") == nil)
        #expect(Throttle.wait("soon") == nil)
        #expect(Throttle.wait("-3") == nil)
        #expect(Throttle.wait("3600") == nil, "longer than \(Throttle.longestWait): left to the step's status check")
    }
}
