import Foundation
import HeraldContract
import HeraldCore
import HeraldPlan
import Testing

/// The broken contracts in Tests/Fixtures/invalid, loaded and planned here as `herald validate` does, against the
/// output beside each (`.expected`, which the integration tests compare with what the built `herald` prints). Among
/// them are the inputs the fuzz targets in Fuzz/ broke the loader with.
@Suite struct InvalidFixtureTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/invalid")

    static let names: [String] = {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return all.filter { $0.hasSuffix(".yaml") }.sorted()
    }()

    @Test(arguments: names)
    func diagnosesAsExpected(_ name: String) throws {
        let text = try String(contentsOf: Self.folder.appendingPathComponent(name), encoding: .utf8)
        let expected = try String(contentsOf: Self.folder.appendingPathComponent("\(name.dropLast(5)).expected"), encoding: .utf8)
        let output: String
        do {
            let contract = try ContractLoader.parse(text, file: "invalid/\(name)")
            _ = try Planner.plan([contract], options: RunOptions(environment: [:], requireEnvironment: false))
            output = ""
        } catch {
            output = error.description + "\n"
        }
        #expect(output == expected)
    }

    @Test func aLocationNeverPassesTheEndOfTheText() throws {
        // libyaml reports the end of a text without a final line break on the line after it.
        let text = "contract: c\nsteps: [ { sleep: 1ms }"
        #expect(throws: ContractErrors.self) { try ContractLoader.parse(text, file: "c.yaml") }
        do {
            _ = try ContractLoader.parse(text, file: "c.yaml")
        } catch {
            let at = try #require(error.diagnostics.first?.location)
            #expect(at.line == 2 && at.column == 24, "\(at)")
        }
    }
}
