// The control for scripts/tsan/mutex-repro.swift: the same threads and accesses with a pthread mutex, which TSan
// intercepts. It reports no race.
//   swiftc -sanitize=thread -g scripts/tsan/pthread-control.swift -o /tmp/pthread-control && /tmp/pthread-control
import Glibc

// The same two threads, with the array behind a pthread mutex (which TSan intercepts).
// @unchecked: items is only read and written inside withLock, under the pthread mutex.
final class Box: @unchecked Sendable {
    var items: [Int] = []
    let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    init() { pthread_mutex_init(mutex, nil) }
    func withLock<R>(_ body: (inout [Int]) -> R) -> R {
        pthread_mutex_lock(mutex); defer { pthread_mutex_unlock(mutex) }
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
print("taken \(taken)")
