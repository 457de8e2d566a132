#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A joinable OS thread running one closure, for blocking C calls that must stay off the Swift cooperative pool.
final class OSThread: Sendable {
    private final class Start {
        let name: String
        let body: @Sendable () -> Void
        init(name: String, body: @escaping @Sendable () -> Void) {
            self.name = name
            self.body = body
        }
    }

    /// A pthread handle is a plain identifier (an integer on Linux, a pointer on Darwin) that pthread functions
    /// accept from any thread, so sharing it is sound.
    private struct Handle: @unchecked Sendable { let raw: pthread_t }

    private let handle: Handle

    /// Starts `body` on a new thread (named `name` where the platform allows), or returns nil when the system
    /// refuses a thread.
    init?(name: String, stackSize: Int = 512 * 1024, _ body: @escaping @Sendable () -> Void) {
        let start = Unmanaged.passRetained(Start(name: name, body: body)).toOpaque()
        var attr = pthread_attr_t()
        pthread_attr_init(&attr)
        defer { pthread_attr_destroy(&attr) }
        pthread_attr_setstacksize(&attr, stackSize)
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let rc = pthread_create(&thread, &attr, { raw in
            #if canImport(Glibc)
            guard let raw else { return nil }
            #endif
            let start = Unmanaged<Start>.fromOpaque(raw).takeRetainedValue()
            #if canImport(Darwin)
            _ = pthread_setname_np(String(start.name.prefix(15)))
            #endif
            start.body()
            return nil
        }, start)
        guard rc == 0 else {
            Unmanaged<Start>.fromOpaque(start).release()
            return nil
        }
        #if canImport(Glibc)
        handle = Handle(raw: thread)
        #else
        handle = Handle(raw: thread!)
        #endif
    }

    /// Waits for the thread to end. Call exactly once, never from the thread itself.
    func join() {
        _ = pthread_join(handle.raw, nil)
    }

    /// Lets the thread end on its own; `join()` must not be called afterwards.
    func detach() {
        _ = pthread_detach(handle.raw)
    }
}
