// Why scripts/tsan.supp exists: ThreadSanitizer does not see the happens-before edge of the standard library's
// Synchronization.Mutex on Linux. Its contended lock and unlock are futex system calls in libswiftSynchronization, which
// is neither instrumented nor intercepted, so two accesses each made inside withLock are reported as a race.
//   swiftc -sanitize=thread -g scripts/tsan/mutex-repro.swift -o /tmp/mutex-repro
//   /tmp/mutex-repro            reports a "Swift access race" between the two closures below in most runs
//   /tmp/mutex-repro --pthread  the same threads and accesses behind a pthread mutex, which TSan intercepts: no report
// (Swift 6.3.1, x86_64 Linux).
import Glibc
import Synchronization

/// A plain array that two threads append to and swap out, only ever under a lock: the standard library's Mutex, or a
/// pthread mutex with `--pthread`.
/// @unchecked: `items` is only read and written inside `withLock`, under one of the two locks.
final class Box: @unchecked Sendable {
    private let mutex = Mutex<[Int]>([])
    private var items: [Int] = []
    private let pthreadMutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    let usesPthread = CommandLine.arguments.contains("--pthread")

    init() { pthread_mutex_init(pthreadMutex, nil) }

    func withLock<R>(_ body: (inout [Int]) -> R) -> R {
        guard usesPthread else { return mutex.withLock { body(&$0) } }
        pthread_mutex_lock(pthreadMutex)
        defer { pthread_mutex_unlock(pthreadMutex) }
        return body(&items)
    }
}

let box = Box()
let rounds = 20_000

func producer() {
    for i in 0..<rounds { box.withLock { $0.append(i) } }
}

func consumer() -> Int {
    var taken = 0
    while taken < rounds {
        let batch = box.withLock { items -> [Int] in
            var out: [Int] = []
            swap(&out, &items)
            return out
        }
        taken += batch.count
    }
    return taken
}

var thread = pthread_t()
pthread_create(&thread, nil, { _ in producer(); return nil }, nil)
let taken = consumer()
pthread_join(thread, nil)
print("\(box.usesPthread ? "pthread mutex" : "Synchronization.Mutex"): taken \(taken)")
