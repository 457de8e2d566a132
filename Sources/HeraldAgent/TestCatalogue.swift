import Foundation
import HeraldContract

/// The test cases an agent serves: the contracts found under its paths, loaded and checked once at start.
struct TestCatalogue: Sendable {
    private let byName: [String: Contract]
    /// Every test case's name, sorted.
    let names: [String]

    /// Loads the contracts under `paths`.
    ///
    /// - Throws: `ContractErrors` for an invalid contract, and when two contracts share a name.
    init(paths: [String]) throws {
        var byName: [String: Contract] = [:]
        for contract in try ContractLoader.load(paths: paths) {
            byName[contract.name] = contract
            // Also by the file's name without its extension: `accepted-offer` for contracts/accepted-offer.yaml.
            let file = ((contract.file as NSString).lastPathComponent as NSString).deletingPathExtension
            if byName[file] == nil { byName[file] = contract }
        }
        self.byName = byName
        names = Array(Set(byName.values.map(\.name))).sorted()
    }

    /// The contract of test case `name`.
    func contract(_ name: String) -> Contract? { byName[name] }
}
