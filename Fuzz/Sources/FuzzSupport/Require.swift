#if canImport(Glibc)
import Glibc
#endif

/// `precondition`, with its message printed also in a release build, before libFuzzer takes the crash.
public func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    guard !condition else { return }
    let text = Array("invariant broken: \(message())\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}
