// swift-tools-version:6.0
// libFuzzer targets for Herald. A package of its own, so that building Herald never builds them: they link libFuzzer's
// main and are built only with `--sanitize=fuzzer` (scripts/fuzz does it). See Fuzz/README.md.
import Foundation
import PackageDescription

// A path dependency is known by its folder's name, which is whatever the checkout of Herald is called.
let herald = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent
let engine: [Target.Dependency] = [.product(name: "HeraldEngine", package: herald), "FuzzSupport"]

let package = Package(
    name: "HeraldFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        // What the targets share: `require`, an invariant check that says what broke before libFuzzer takes the crash.
        .target(name: "FuzzSupport"),
        // A contract file's text through the loader and the planner, as `herald validate` takes it.
        .executableTarget(name: "FuzzContractLoader", dependencies: engine),
        // Bytes of an event stream through the SSE parser, whole and in chunks.
        .executableTarget(name: "FuzzSSEParser", dependencies: engine),
        // A matcher and a JSON frame through the JSON parser, the tape and both matcher evaluations.
        .executableTarget(name: "FuzzMatcher", dependencies: engine),
    ],
    swiftLanguageModes: [.v6]
)
