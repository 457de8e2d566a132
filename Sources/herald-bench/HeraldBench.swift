import ArgumentParser

/// `herald-bench`: release-mode benchmarks of Herald's pipeline against real sockets.
///
/// Run it built for release: `swift run -c release herald-bench ingest`.
@main
struct HeraldBench: AsyncParsableCommand {
    /// The command's help and subcommands.
    static let configuration = CommandConfiguration(
        commandName: "herald-bench",
        abstract: "Benchmarks of Herald's pipeline: ingest, idle, trigger, ramp (build with -c release).",
        subcommands: [IngestCommand.self, IdleCommand.self, TriggerCommand.self, RampCommand.self, ServeCommand.self]
    )
}
