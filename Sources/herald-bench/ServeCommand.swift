import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `herald-bench serve --frames N` (hidden): the burst server, started by `ingest` as a child process.
/// Prints its port on a line of its own, then serves until its standard input closes (the parent is gone).
struct ServeCommand: ParsableCommand {
    /// Hidden from help: only `ingest` starts it.
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve bursts of tick frames (started by `ingest`).",
        shouldDisplay: false
    )

    /// How many frames one burst holds.
    @Option(help: "Frames per burst.")
    var frames: Int = 20_000

    /// Starts the server; never returns.
    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        let server = try BurstServer(frames: frames)
        FileHandle.standardOutput.write(Data("\(server.port)\n".utf8))
        // When the parent goes away its end of our stdin closes: stop then, so no server outlives a bench.
        Thread.detachNewThread {
            var byte: UInt8 = 0
            while read(STDIN_FILENO, &byte, 1) > 0 {}
            Glibc.exit(0)
        }
        server.serve()
    }
}
