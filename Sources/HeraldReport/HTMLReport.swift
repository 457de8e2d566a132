import Foundation
import HeraldCore

/// `report.html`: one self-contained page for a person debugging "user B got user A's notification".
///
/// Per contract it shows a recipient matrix (event × actor: received, missing, wrong recipient), swimlanes per actor
/// and channel on one time axis with the requests, frames, connections, steps and verdicts where they happened, and
/// for each failure its evidence and the nearest-match diff. Style and script are inline; the page loads nothing from
/// the network, and every piece of text from the run is escaped.
public struct HTMLReport: ReportSink {
    /// The file to write.
    public var path: String

    /// Writes to `path`.
    public init(path: String) { self.path = path }

    /// Writes the report file.
    public func write(_ result: RunResult, context: ReportContext) throws {
        try Data(HTMLReport.render(result, context: context).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// The whole page as HTML text.
    public static func render(_ result: RunResult, context: ReportContext) -> String {
        HTMLPage.render(result, context: context)
    }
}
