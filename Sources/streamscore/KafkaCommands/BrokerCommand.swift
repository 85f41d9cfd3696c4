import ArgumentParser
import Logging
import ServiceLifecycle
import StreamScoreKafka

/// `streamscore broker`: an embedded Kafka broker for development.
struct BrokerCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run an embedded Kafka broker (librdkafka's mock cluster) for development.",
        discussion: """
        The first line on stdout is the bootstrap address and nothing else. Runs until SIGINT or \
        SIGTERM, then exits 0. Brokers listen on ephemeral ports; --port adds a bootstrap \
        forwarder on that fixed port, after which clients connect to the advertised brokers.
        """
    )
    static let environmentOptions = ["port", "brokers", "topic", "log-level"]
    static let environmentLists = ["topic"]
    static let defaultTopics = ["features:6", "predictions:6", "streamscore.replies:6",
                                "inference-metrics:1", "features.dlq:1", "streamscore.control:1",
                                "predictions.shadow:6", "labels:6"]

    @Option(help: "Bootstrap port on 127.0.0.1; 0 uses the first broker's own ephemeral port.")
    var port: Int = 9092

    @Option(help: "Number of brokers in the cluster.")
    var brokers: Int = 1

    @Option(name: .customLong("topic"),
            help: "A topic to create as NAME:PARTITIONS (repeatable). Default: \(defaultTopics.joined(separator: " ")).")
    var topics: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard brokers >= 1 else { throw ValidationError("--brokers must be at least 1") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        for t in topics where TopicSpec(parsing: t) == nil {
            throw ValidationError("--topic '\(t)' is not NAME:PARTITIONS")
        }
    }

    func run() async throws {
        let logger = makeLogger(label: "streamscore.broker", level: logLevel)
        let specs = (topics.isEmpty ? Self.defaultTopics : topics).compactMap(TopicSpec.init(parsing:))
        let broker = try EmbeddedBroker(brokers: brokers, topics: specs)
        var bootstrap = broker.bootstrapServers
        var forwarder: BootstrapForwarder?
        if port != 0 {
            forwarder = try BootstrapForwarder(port: port, target: broker.ports[0], logger: logger)
            bootstrap = "127.0.0.1:\(port)"
        }
        printLine(bootstrap)
        logger.info("embedded broker up", metadata: [
            "bootstrap": "\(bootstrap)", "brokers": "\(broker.bootstrapServers)",
            "topics": "\(specs.map { "\($0.name):\($0.partitions)" }.joined(separator: ","))",
        ])
        let service = EmbeddedBrokerService(broker: broker, forwarder: forwarder)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: service)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        ))
        try await group.run()
        logger.info("embedded broker stopped")
    }
}

/// Keeps an embedded broker up until graceful shutdown.
struct EmbeddedBrokerService: Service {
    let broker: EmbeddedBroker
    let forwarder: BootstrapForwarder?

    func run() async throws {
        try? await gracefulShutdown()
        forwarder?.stop()
        broker.shutdown()
    }
}
