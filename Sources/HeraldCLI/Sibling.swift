import Foundation
import HeraldCore

/// Herald's other executables, built beside `herald`.
enum Sibling {
    /// The path of executable `name` in the folder of the running `herald`.
    ///
    /// - Throws: `InfrastructureError` when it is not there, with how to build it.
    static func executable(_ name: String, what: String) throws -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let path = ((me as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw InfrastructureError("\(what) is not built: no executable at \(path)",
                                      hint: "build it with: swift build --product \(name) (the same configuration as herald)")
        }
        return path
    }
}
