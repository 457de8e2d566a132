// Why scripts/tsan.supp exists: ThreadSanitizer does not see the happens-before edge of the standard library's
// Synchronization.Mutex on Linux. Its contended lock and unlock are futex system calls in libswiftSynchronization, which
// is neither instrumented nor intercepted, so two accesses each made inside withLock are reported as a race.
//   swiftc -sanitize=thread -g scripts/tsan/mutex-repro.swift -o /tmp/mutex-repro && /tmp/mutex-repro
// reports a "Swift access race" between the two closures below in most runs (Swift 6.3.1, x86_64 Linux), while the
// same program with a pthread mutex (scripts/tsan/pthread-control.swift) reports none.
import Synchronization
import Glibc

// Two threads append to and swap out a plain array stored in a Mutex, only ever under withLock.
final class Box: Sendable {
    let state = Mutex<[Int]>([])
}

let box = Box()
let rounds = 20_000

func producer() {
    for i in 0..<rounds { box.state.withLock { $0.append(i) } }
}

func consumer() -> Int {
    var taken = 0
    while taken < rounds {
        let batch = box.state.withLock { items -> [Int] in
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
print("taken \(taken)")
