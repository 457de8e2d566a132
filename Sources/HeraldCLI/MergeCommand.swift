import ArgumentParser
import Foundation
import HeraldCore
import HeraldReport

/// `herald merge REPORT.json… -o DIR`
struct MergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the report.json files of the parts of a split run (--shard i/n) into one report.",
        discussion: """
            The contracts of every part are kept; counts add up; a load run's levels are merged level by level, \
            their HDR histograms exactly, and the thresholds checked again on the merged figures. Writes \
            report.json, junit.xml, report.md and report.html of the whole run. Exits with the merged run's code.
            """)

    @Argument(help: "The parts' report.json files.")
    var reports: [String]

    @Option(name: .shortAndLong, help: "Write the merged reports into this folder.")
    var output: String

    @Option(help: "Only these formats (comma-separated: json, junit, md, html).")
    var format: String?

    func validate() throws {
        if reports.isEmpty { throw ValidationError("name the report.json files to merge") }
        if let format {
            do { _ = try ReportFormat.parse(format) } catch { throw ValidationError("\(error)") }
        }
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
        let formats = try format.map { try ReportFormat.parse($0) } ?? ReportFormat.allCases
        try merged.write(to: output, formats: formats)
        if let levels = merged.levels { Terminal.out(LoadConsoleReport.levelTable(levels, color: Terminal.color)) }
        Terminal.out("merged \(reports.count) reports: \(merged.contractsPassed) of \(merged.contracts) contracts passed · "
                     + "\(ReportMerge.statusWords(merged.status)) · \(formats.map(\.fileName).joined(separator: ", ")) in \(output)")
        throw ExitCode(merged.status.rawValue)
    }
}
