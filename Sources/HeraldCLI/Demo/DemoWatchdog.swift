import Foundation
import HeraldCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Makes sure the children of `herald demo` (brokers and backend) never outlive it, however it ends.
///
/// `herald demo` stops its children itself, also on Ctrl-C. For every other end (a second Ctrl-C, SIGTERM while the
/// children start, a crash, SIGKILL) a small `/bin/sh` watchdog reads the children's pids on a pipe whose only
/// writer is this process. When the pipe closes without `stop` having been written (the kernel closes it when
/// `herald` ends, whatever the way), it sends SIGTERM to the children still listed, and SIGKILL a second later.
/// No signal handler is involved, so nothing depends on what a signal interrupted.
enum DemoWatchdog {
    private struct State {
        var process: Process?
        /// The write end of the watchdog's stdin.
        var pipe: Int32?
        var failed = false
    }

    private static let state = Mutex(State())

    /// The watchdog. `INT` and `HUP` are ignored: a Ctrl-C in the terminal reaches the whole process group, and
    /// the watchdog must outlive `herald` to do its job.
    private static let script = """
        trap '' INT HUP
        pids=''
        while IFS= read -r line; do
          case "$line" in
            stop) exit 0 ;;
            forget\\ *) p=${line#forget }; pids=$(for q in $pids; do [ "$q" = "$p" ] || printf '%s ' "$q"; done) ;;
            *) pids="$pids $line" ;;
          esac
        done
        set -- $pids
        [ $# -eq 0 ] && exit 0
        echo "herald demo ended early: stopping its brokers and backend (pids $*)" >&2
        for p in "$@"; do kill -TERM "$p" 2>/dev/null; done
        sleep 1
        for p in "$@"; do kill -KILL "$p" 2>/dev/null; done
        exit 0
        """

    /// Watches `pid` from now on (starting the watchdog on first use). Without a watchdog (no `/bin/sh`, say), the
    /// children are still stopped by `herald demo` on every ordinary end.
    static func watch(_ pid: Int32) {
        send("\(pid)")
    }

    /// Stops watching `pid`: it was stopped properly.
    static func forget(_ pid: Int32) {
        send("forget \(pid)")
    }

    /// Every child was stopped properly: the watchdog ends without doing anything.
    static func stop() {
        state.withLock { state in
            guard let pipe = state.pipe else { return }
            write("stop", to: pipe)
            close(pipe)
            state.pipe = nil
        }
    }

    private static func send(_ line: String) {
        state.withLock { state in
            if state.pipe == nil, !state.failed { start(&state) }
            if let pipe = state.pipe { write(line, to: pipe) }
        }
    }

    /// Writes one line. Should the watchdog be gone, the write fails with EPIPE instead of raising SIGPIPE: the
    /// signal is blocked on this thread meanwhile, and taken off it if it came.
    private static func write(_ line: String, to pipe: Int32) {
        var pipeSignal = sigset_t(), previous = sigset_t()
        sigemptyset(&pipeSignal)
        sigaddset(&pipeSignal, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &pipeSignal, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        let bytes = Array((line + "\n").utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(pipe, $0.baseAddress, $0.count) }
        if written < 0, errno == EPIPE {
            var now = timespec(tv_sec: 0, tv_nsec: 0)
            _ = sigtimedwait(&pipeSignal, nil, &now)
        }
    }

    private static func start(_ state: inout State) {
        let pipe = Pipe()
        // The write end stays with this process only: a child that inherited it would keep the pipe open after
        // herald ended, and the watchdog would wait for nothing.
        _ = fcntl(pipe.fileHandleForWriting.fileDescriptor, F_SETFD, FD_CLOEXEC)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        process.standardInput = pipe
        process.standardOutput = FileHandle.nullDevice
        do {
            try ChildProcess.launch(process)
        } catch {
            state.failed = true
            return
        }
        try? pipe.fileHandleForReading.close()
        state.process = process
        // Kept open (and owned) by this process: it closes when herald ends, whichever way.
        let copy = dup(pipe.fileHandleForWriting.fileDescriptor)
        if copy >= 0 {
            _ = fcntl(copy, F_SETFD, FD_CLOEXEC)
            state.pipe = copy
        } else {
            state.failed = true
        }
        try? pipe.fileHandleForWriting.close()
    }
}

/// SIGINT and SIGTERM while `herald demo` starts its children: noted instead of ending herald at once, so that
/// every child it is starting is known (to ``DemoWatchdog``) and stopped before herald exits. The handler only
/// stores the signal number; `herald demo` looks at ``caught`` between its steps.
///
/// Children started meanwhile get the default actions back when they exec, as for every caught signal.
enum StartupSignals {
    private static let signal = Atomic<Int32>(0)

    /// Installs the handler for SIGINT and SIGTERM.
    static func begin() {
        _ = signal.load(ordering: .relaxed)   // initialised now, not in the handler
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { number in StartupSignals.note(number) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
    }

    /// Puts the default actions back (the run installs its own Ctrl-C handling).
    static func end() {
        Glibc.signal(SIGINT, SIG_DFL)
        Glibc.signal(SIGTERM, SIG_DFL)
    }

    /// The signal that arrived since ``begin()``, if any.
    static var caught: Int32? {
        let number = signal.load(ordering: .acquiring)
        return number == 0 ? nil : number
    }

    /// The handler's only work: an atomic store (async-signal-safe).
    private static func note(_ number: Int32) {
        signal.store(number, ordering: .releasing)
    }
}
