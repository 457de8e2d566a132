import ArgumentParser
import Foundation
import HeraldCore
import HeraldReport

/// `herald merge REPORT.json… -o DIR`
struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the report.json files of the parts of a split run (--shard i/n) into one.",
        discussion: """
            The contracts of every part are kept; counts add up; a load run's levels are merged level by level, \
            their HDR histograms exactly, and the thresholds checked again on the merged figures. Exits with the \
            merged run's code.
            """)

    @Argument(help: "The parts' report.json files.")
    var reports: [String]

    @Option(name: .shortAndLong, help: "Write the merged report.json into this folder.")
    var output: String

    func validate() throws {
        if reports.isEmpty { throw ValidationError("name the report.json files to merge") }
    }

    func run() async throws {
        var files: [(name: String, data: Data)] = []
        for path in reports {
            guard let data = FileManager.default.contents(atPath: path) else {
                Terminal.err("herald merge: cannot read \(path)")
                throw ExitCode(2)
            }
            files.append((path, data))
        }
        let merged: ReportMerge.Merged
        do {
            merged = try ReportMerge.merge(files)
        } catch {
            Terminal.err("herald merge: \(error.description)")
            throw ExitCode(2)
        }
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let target = (output as NSString).appendingPathComponent("report.json")
        try merged.json.write(to: URL(fileURLWithPath: target), options: .atomic)
        if let levels = merged.levels { Terminal.out(LoadConsoleReport.levelTable(levels, color: Terminal.color)) }
        Terminal.out("merged \(reports.count) reports: \(merged.contractsPassed) of \(merged.contracts) contracts passed · "
                     + "\(ReportMerge.statusWords(merged.status)) · \(target)")
        throw ExitCode(merged.status.rawValue)
    }
}
