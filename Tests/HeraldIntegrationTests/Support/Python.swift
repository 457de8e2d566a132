import Foundation
import HeraldCore
import Testing

/// Runs `python3 -c script args…` and returns its exit status and output. Used for checks done with PyPI tools
/// (jsonschema); a missing module makes the check fail with the command that installs it.
func python(_ script: String, _ arguments: [String], module: String, limit: Duration = .seconds(60)) async throws -> (Int32, String) {
    let (status, output) = try await python3(["-c", script] + arguments, limit: limit)
    if output.contains("No module named '\(module)'") {
        throw SetupFailure("the Python module \(module) is missing: python3 -m pip install \(module) (scripts/setup does it)")
    }
    return (status, output)
}

/// Runs `python3 arguments…` in `directory` (the current one by default) and collects its output; a run that
/// outlives `limit` is stopped and fails the test.
func python3(_ arguments: [String], in directory: URL? = nil, limit: Duration) async throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3"] + arguments
    if let directory { process.currentDirectoryURL = directory }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    process.standardInput = FileHandle.nullDevice
    let reader = Task { await ChildProcess.readToEnd(pipe.fileHandleForReading) }
    try ChildProcess.launch(process)
    if await !ChildProcess.wait(for: process, timeout: limit) {
        ChildProcess.stop(process)
        throw SetupFailure("python3 \(arguments.prefix(3).joined(separator: " ")) still ran after \(limit): stopped\n\(String(decoding: await reader.value, as: UTF8.self))")
    }
    return (process.terminationStatus, String(decoding: await reader.value, as: UTF8.self))
}

/// Validates the report.json in `dir` against docs/report.schema.json.
func validateAgainstSchema(_ dir: URL) async throws {
    let script = """
        import json, sys, jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))
        print("valid")
        """
    let (status, output) = try await python(script, [Paths.root.appendingPathComponent("docs/report.schema.json").path,
                                                     dir.appendingPathComponent("report.json").path], module: "jsonschema")
    #expect(status == 0 && output.contains("valid"), "report.json does not match docs/report.schema.json:\n\(output)")
}
