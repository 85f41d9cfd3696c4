// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

let package = Package(
    name: "StreamScore",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "streamscore", targets: ["streamscore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // Layer 1: C system library over Debian's librdkafka-dev.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // C helpers for variadic librdkafka calls and socket options (prefixed streamscore_rdk_).
        .target(name: "CRdKafkaShims", dependencies: ["CRdKafka"]),
        // Layer 2: safe Swift over librdkafka. No models, no HTTP.
        .target(
            name: "StreamScoreKafka",
            dependencies: [
                "CRdKafka",
                "CRdKafkaShims",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // Layer 3: ONNX model runtime. No Kafka, no HTTP, no dependencies.
        .target(
            name: "StreamScoreModel",
            swiftSettings: strict
        ),
        // Layer 7: the executable.
        .executableTarget(
            name: "streamscore",
            dependencies: [
                "StreamScoreKafka",
                "StreamScoreModel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StreamScoreKafkaTests",
            dependencies: ["StreamScoreKafka"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StreamScoreCLITests",
            dependencies: ["streamscore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StreamScoreModelTests",
            dependencies: ["StreamScoreModel"],
            resources: [],
            swiftSettings: strict
        ),
    ]
)
