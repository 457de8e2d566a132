import ArgumentParser

/// `herald run [PATHS…]`
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run contracts (files or folders) and judge them.")

    @Argument(help: "Contract files or folders (default: contracts).")
    var paths: [String] = []

    @OptionGroup var flags: RunFlags

    func run() async throws {
        let status = try await RunSession.run(paths: paths.isEmpty ? ["contracts"] : paths, flags: flags)
        throw status.exitCode
    }
}

/// `herald validate [PATHS…]`
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Load and check contracts without running them; problems are printed as file:line:col.")

    @Argument(help: "Contract files or folders (default: contracts).")
    var paths: [String] = []

    @Option(name: .customLong("var"), help: "A variable the contracts expect from the command line: --var name=value.")
    var vars: [String] = []

    func run() async throws {
        let status = Validation.validate(paths: paths.isEmpty ? ["contracts"] : paths, vars: vars)
        throw status.exitCode
    }
}
