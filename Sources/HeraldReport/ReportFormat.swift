import Foundation
import HeraldCore

/// The report files `--report DIR` can write; `--format` picks a subset.
public enum ReportFormat: String, CaseIterable, Sendable {
    /// `report.json`: everything, machine-readable, schema `herald.report/v1`.
    case json
    /// `junit.xml`: a testsuite per contract, a testcase per expectation.
    case junit
    /// `report.md`: a summary for pull-request comments.
    case markdown = "md"
    /// `report.html`: one self-contained page with a timeline per actor and the recipient matrix.
    case html

    /// The file name inside the report folder.
    public var fileName: String {
        switch self {
        case .json: "report.json"
        case .junit: "junit.xml"
        case .markdown: "report.md"
        case .html: "report.html"
        }
    }

    /// The sink that writes this format into `directory`.
    public func sink(in directory: String) -> any ReportSink {
        let path = (directory as NSString).appendingPathComponent(fileName)
        switch self {
        case .json: return JSONReport(path: path)
        case .junit: return JUnitReport(path: path)
        case .markdown: return MarkdownReport(path: path)
        case .html: return HTMLReport(path: path)
        }
    }

    /// Parses `--format json,junit`: names separated by commas.
    public static func parse(_ text: String) throws -> [ReportFormat] {
        var formats: [ReportFormat] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            let alias = name == "markdown" ? "md" : name == "xml" ? "junit" : name
            guard let f = ReportFormat(rawValue: alias) else {
                throw ReportFormatError(name: name)
            }
            if !formats.contains(f) { formats.append(f) }
        }
        return formats
    }
}

/// `--format` named a format Herald does not write.
public struct ReportFormatError: Error, CustomStringConvertible {
    /// The name given.
    public var name: String
    /// One line for people.
    public var description: String {
        "unknown report format '\(name)'; formats: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))"
    }
}
