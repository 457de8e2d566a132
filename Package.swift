// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "Herald",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "herald", targets: ["herald"]),
        .executable(name: "herald-demo", targets: ["herald-demo"]),
        .executable(name: "herald-bench", targets: ["herald-bench"]),
        .executable(name: "herald-agent", targets: ["herald-agent"]),
        .library(name: "HeraldCLI", targets: ["HeraldCLI"]),
        // The pipeline's modules, for packages that call them directly: Fuzz/ builds its libFuzzer targets on these.
        .library(name: "HeraldEngine", targets: ["HeraldCore", "HeraldContract", "HeraldPlan", "HeraldJudge", "HeraldTransport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        // Hummingbird's own dependency; named for NIOEmbedded, the channel HeraldAgentTests' requests carry.
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // C libraries, reached through system library targets.
        .systemLibrary(name: "CLibWebSockets", pkgConfig: "libwebsockets",
                       providers: [.apt(["libwebsockets-dev", "libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CNats", pkgConfig: "libnats", providers: [.apt(["libnats-dev"])]),
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CMosquitto", pkgConfig: "libmosquitto", providers: [.apt(["libmosquitto-dev"])]),
        // SQL checks: PostgreSQL's libpq and SQLite, the official C clients.
        .systemLibrary(name: "CPostgres", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),
        // JWT and HMAC signing: OpenSSL's libcrypto.
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // The pipeline: load → plan → run → judge → report.
        .target(name: "HeraldCore", swiftSettings: strict),
        .target(name: "HeraldContract",
                dependencies: ["HeraldCore", .product(name: "Yams", package: "Yams")],
                swiftSettings: strict),
        // Keys, JWS (HS256, RS256, ES256), HMAC-SHA256 and byte encodings, on OpenSSL.
        .target(name: "HeraldSigning", dependencies: ["HeraldCore", "COpenSSL"], swiftSettings: strict),
        .target(name: "HeraldPlan", dependencies: ["HeraldCore", "HeraldContract", "HeraldJudge", "HeraldSigning"], swiftSettings: strict),
        .target(name: "HeraldJudge", dependencies: ["HeraldCore", "HeraldContract"], swiftSettings: strict),
        .target(name: "HeraldTransport",
                dependencies: ["HeraldCore", "CLibWebSockets", "CCurl", "CNats", "CHiredis", "CMosquitto", "CPostgres", "CSQLite"],
                swiftSettings: strict),
        .target(name: "HeraldRunner",
                dependencies: ["HeraldCore", "HeraldContract", "HeraldPlan", "HeraldJudge", "HeraldTransport", "HeraldSigning"],
                swiftSettings: strict),
        .target(name: "HeraldReport",
                dependencies: ["HeraldCore", "HeraldContract", .product(name: "Histogram", package: "hdrhistogram-swift")],
                swiftSettings: strict),
        .target(name: "HeraldCLI",
                dependencies: [
                    "HeraldCore", "HeraldContract", "HeraldPlan", "HeraldRunner", "HeraldReport",
                    .product(name: "ArgumentParser", package: "swift-argument-parser"),
                ],
                swiftSettings: strict),
        .executableTarget(name: "herald", dependencies: ["HeraldCLI"], swiftSettings: strict),

        // `herald agent`: the TestAgent REST API on Hummingbird, an executable of its own so that the server's
        // libraries do not load with every `herald` command (`herald agent` runs it).
        .target(name: "HeraldAgent",
                dependencies: [
                    "HeraldCore", "HeraldContract", "HeraldPlan", "HeraldRunner", "HeraldTransport",
                    .product(name: "Hummingbird", package: "hummingbird"),
                ],
                swiftSettings: strict),
        .executableTarget(name: "herald-agent",
                          dependencies: [
                              "HeraldAgent", "HeraldCore", "HeraldContract", "HeraldPlan",
                              .product(name: "ArgumentParser", package: "swift-argument-parser"),
                          ],
                          swiftSettings: strict),

        // The bundled demo backend: a small marketplace with switchable defects.
        .target(name: "HeraldDemoBackend",
                dependencies: [
                    "HeraldCore",
                    "HeraldTransport",
                    "HeraldSigning",
                    .product(name: "Hummingbird", package: "hummingbird"),
                    .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                ],
                swiftSettings: strict),
        .executableTarget(name: "herald-demo",
                          dependencies: [
                              "HeraldDemoBackend",
                              .product(name: "ArgumentParser", package: "swift-argument-parser"),
                          ],
                          swiftSettings: strict),

        .executableTarget(name: "herald-bench",
                          dependencies: [
                              "HeraldCore", "HeraldContract", "HeraldPlan", "HeraldRunner", "HeraldTransport",
                              "CBenchEpoll",
                              // Not linked: a dependency so that building herald-bench builds the floor beside it.
                              "herald-bench-floor",
                              .product(name: "ArgumentParser", package: "swift-argument-parser"),
                              .product(name: "Histogram", package: "hdrhistogram-swift"),
                          ],
                          swiftSettings: strict),
        // epoll for the idle benchmark's server (not in Swift's Glibc module).
        .systemLibrary(name: "CBenchEpoll"),
        // The C floors herald-bench runs as child processes: a bare libwebsockets client that counts a burst's
        // frames, and sequential keep-alive POSTs on one libcurl easy handle.
        .executableTarget(name: "herald-bench-floor", dependencies: ["CLibWebSockets", "CCurl"]),

        .testTarget(name: "HeraldCoreTests", dependencies: ["HeraldCore"], swiftSettings: strict),
        // Signatures checked against published vectors and against the openssl command and Python's cryptography.
        .testTarget(name: "HeraldSigningTests", dependencies: ["HeraldSigning", "HeraldCore"], swiftSettings: strict),
        .testTarget(name: "HeraldContractTests", dependencies: ["HeraldContract", "HeraldPlan", "HeraldSigning"], swiftSettings: strict),
        .testTarget(name: "HeraldJudgeTests", dependencies: ["HeraldJudge", "HeraldContract"], swiftSettings: strict),
        // The real runner against fake channel links (through RunnerOptions.connector): no sockets.
        .testTarget(name: "HeraldRunnerTests",
                    dependencies: ["HeraldRunner", "HeraldPlan", "HeraldContract", "HeraldCore"],
                    swiftSettings: strict),
        .testTarget(name: "HeraldReportTests", dependencies: ["HeraldReport", "HeraldCore", "HeraldContract"], swiftSettings: strict),
        .testTarget(name: "HeraldTransportTests",
                    dependencies: ["HeraldTransport", "HeraldDemoBackend"],
                    swiftSettings: strict),
        // The agent's routes driven in process (no sockets), and its OpenAPI document.
        .testTarget(name: "HeraldAgentTests",
                    dependencies: [
                        "HeraldAgent", "HeraldCore",
                        .product(name: "Hummingbird", package: "hummingbird"),
                        .product(name: "NIOEmbedded", package: "swift-nio"),
                    ],
                    swiftSettings: strict),
        // Runs the built herald and herald-demo executables: build them first (swift build --build-tests).
        .testTarget(name: "HeraldIntegrationTests",
                    dependencies: ["HeraldCore", "HeraldReport"],
                    swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
