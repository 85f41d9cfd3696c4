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
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
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
        // Layer 4: wire contract shared by worker, gateway and tests. No dependencies.
        .target(name: "StreamScoreContract", swiftSettings: strict),
        // Layer 5: reading the metrics topic into bounded recent history for the live views.
        .target(
            name: "StreamScoreMonitor",
            dependencies: [
                "StreamScoreKafka", "StreamScoreContract",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Layer 5: the scoring pipeline.
        .target(
            name: "StreamScoreWorker",
            dependencies: [
                "StreamScoreKafka", "StreamScoreModel", "StreamScoreContract",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // Layer 6: the HTTP gateway (reads model cards only, no runtime).
        .target(
            name: "StreamScoreGateway",
            dependencies: [
                "StreamScoreKafka", "StreamScoreContract", "StreamScoreModel", "StreamScoreMonitor",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // Layer 7: the executable.
        .executableTarget(
            name: "streamscore",
            dependencies: [
                "StreamScoreKafka",
                "StreamScoreModel",
                "StreamScoreContract",
                "StreamScoreWorker",
                "StreamScoreGateway",
                "StreamScoreMonitor",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
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
            name: "StreamScoreContractTests",
            dependencies: ["StreamScoreContract"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StreamScoreMonitorTests",
            dependencies: ["StreamScoreMonitor", "StreamScoreKafka", "StreamScoreContract"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StreamScoreWorkerTests",
            dependencies: ["StreamScoreWorker", "StreamScoreKafka", "StreamScoreModel", "StreamScoreContract"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "StreamScoreGatewayTests",
            dependencies: [
                "StreamScoreGateway", "StreamScoreMonitor", "StreamScoreWorker", "StreamScoreKafka", "StreamScoreModel", "StreamScoreContract",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
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
        .testTarget(
            name: "StreamScoreDeployTests",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
    ]
)
