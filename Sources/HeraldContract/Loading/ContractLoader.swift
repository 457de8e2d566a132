import Foundation
import HeraldCore
import Yams

/// Reads contract files into ``Contract`` values. It does no I/O beyond reading the files.
public enum ContractLoader {
    /// Loads every `.yaml`/`.yml` file under `paths` (files or folders, folders walked recursively, in name order).
    /// Throws ``ContractErrors`` with every file's first problem.
    public static func load(paths: [String]) throws -> [Contract] {
        let files = try contractFiles(in: paths)
        var contracts: [Contract] = []
        var diagnostics: [Diagnostic] = []
        for file in files {
            do {
                contracts.append(try load(file: file))
            } catch {
                diagnostics += error.diagnostics
            }
        }
        if !diagnostics.isEmpty { throw ContractErrors(diagnostics) }
        return contracts
    }

    /// The contract files named by `paths`, expanded and sorted.
    public static func contractFiles(in paths: [String]) throws -> [String] {
        var files: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else {
                throw ContractErrors([Diagnostic("no such file or folder", at: SourceLocation(file: path, line: 1, column: 1),
                                                 hint: "check the path; herald run takes contract files or folders")])
            }
            if isDir.boolValue {
                let found = (fm.enumerator(atPath: path)?.allObjects as? [String] ?? [])
                    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                    .sorted()
                    .map { (path as NSString).appendingPathComponent($0) }
                files += found
            } else {
                files.append(path)
            }
        }
        return files
    }

    /// Loads one file.
    public static func load(file: String) throws(ContractErrors) -> Contract {
        let start = SourceLocation(file: file, line: 1, column: 1)
        if let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int, size > ExpansionBudget.maxFileBytes {
            throw ContractErrors([Diagnostic("the file is \(size >> 10) KiB; a contract file is at most \(ExpansionBudget.maxFileBytes >> 20) MiB",
                                             at: start, hint: "split it into several contracts, or move large payloads into files a shell step reads")])
        }
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
            throw ContractErrors([Diagnostic("cannot read file", at: start)])
        }
        return try parse(text, file: file)
    }

    /// Parses contract text; `file` is used in locations.
    public static func parse(_ text: String, file: String) throws(ContractErrors) -> Contract {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ContractErrors([Diagnostic("the file is empty", at: SourceLocation(file: file, line: 1, column: 1),
                                                 hint: "a contract starts with 'contract: <name>'")])
            }
            try ExpansionBudget.check(node, file: file)
            root = node
        } catch let error as Diagnostic {
            throw ContractErrors([error])
        } catch let error as ContractErrors {
            throw error
        } catch let error as YamlError {
            throw ContractErrors([yamlDiagnostic(error, file: file, end: TextEnd(text))])
        } catch {
            throw ContractErrors([Diagnostic("cannot parse YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))])
        }
        do {
            var reader = ContractReader(file: file)
            let contract = try reader.contract(YAMLNode(node: root, file: file, end: TextEnd(text)))
            try ContractChecker(contract: contract).check()
            return contract
        } catch {
            throw ContractErrors([error])
        }
    }

    private static func yamlDiagnostic(_ error: YamlError, file: String, end: TextEnd) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let at = end.location(file: file, line: mark.line, column: mark.column)
            if problem.contains("nesting level") {
                // libyaml stops at 1000 levels, before any of it is read.
                return Diagnostic("values nest more than 1000 levels deep", at: at, hint: "a contract needs a few levels of nesting, not hundreds")
            }
            var message = "invalid YAML: \(problem)"
            if let context { message += " (\(context.text))" }
            return Diagnostic(message, at: at, hint: "check indentation, and quote values that contain ': ' or start with '{', '[', '*' or '&'")
        case .duplicatedKeysInMapping(let keys, let context):
            // Yams names a key that is not text "<uncovertable>", and points at the first duplicated key in an order
            // that is only total for distinct text keys: elsewhere, the place would change from one load to the next.
            let names = keys.sorted().map { key in
                key == "<uncovertable>" ? "a key that is not text" : key.isEmpty ? "an empty key" : "'\(key)'"
            }
            let placed = !keys.contains("<uncovertable>") && Set(keys).count == keys.count
            let at = placed ? end.location(file: file, line: context.mark.line, column: context.mark.column)
                            : SourceLocation(file: file, line: 1, column: 1)
            let message = names.count == 1 ? "\(names[0]) appears more than once in a mapping"
                                           : "keys appear more than once in a mapping: \(names.joined(separator: ", "))"
            return Diagnostic(message, at: at, hint: "write each key once per mapping: remove the repeats, or merge their values")
        default:
            return Diagnostic("invalid YAML: \(error)", at: SourceLocation(file: file, line: 1, column: 1))
        }
    }
}
