import ArgumentParser
import HeraldCore

/// The `herald` command: event-stream contract testing.
public struct HeraldCommand: AsyncParsableCommand {
    /// The command's help and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "herald",
        abstract: "Event-stream contract tester: checks WebSocket notifications against declared contracts.",
        discussion: """
            Exit codes: 0 all passed (known gaps allowed), 1 an assertion failed, 2 a contract is invalid,
            3 infrastructure error (a service or socket failed before judging was possible).
            """,
        version: heraldVersion,
        subcommands: [RunCommand.self, ValidateCommand.self, TailCommand.self, DemoCommand.self, AgentCommand.self, MergeCommand.self],
        defaultSubcommand: nil
    )

    /// Creates the command (ArgumentParser needs it).
    public init() {}
}

/// Herald's version.
public let heraldVersion = HeraldVersion.version
