import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StreamScoreGateway
import StreamScoreModel

/// `streamscore gateway`: the HTTP front door, answering from the workers through Kafka.
struct GatewayCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Serve POST /predict and the Open Inference Protocol (V2) over Kafka.",
        discussion: """
        Each request becomes one feature record on --input-topic with reply-to, reply-partition, \
        correlation-id and deadline-ms headers; the worker's answer comes back on a partition of \
        --reply-topic that this gateway owns through the consumer group --reply-group, so several \
        gateways run side by side and each receives only its own replies. A gateway is ready \
        once it owns a reply partition: give the reply topic at least as many partitions as \
        gateways. Endpoints: POST /predict, GET /v2, /v2/health/live, /v2/health/ready, \
        /v2/models/{m}[/versions/{v}][/ready], POST /v2/models/{m}[/versions/{v}]/infer, GET /metrics, \
        and the live dashboard GET /dashboard (its data, read from --metrics-topic, at GET /dashboard/data). \
        With --auth-token every endpoint except the health ones and the dashboard page needs \
        Authorization: Bearer <token>; the page asks for the token to load its data. \
        SIGINT/SIGTERM finish the requests in flight, then leave the group.
        """
    )
    static let environmentOptions = [
        "brokers", "host", "port", "input-topic", "reply-topic", "reply-group", "metrics-topic", "timeout-ms", "max-body-bytes",
        "max-pending", "auth-token", "models", "kafka", "log-level",
    ]
    static let environmentLists = ["kafka"]

    @Option(help: "Kafka bootstrap servers, comma-separated.")
    var brokers: String

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0 picks a free one).")
    var port = 8080

    @Option(help: "Topic requests are produced to.")
    var inputTopic = "features"

    @Option(help: "Topic replies come back on; its partitions are shared out among the gateways.")
    var replyTopic = "streamscore.replies"

    @Option(help: "Consumer group of the gateways on the reply topic.")
    var replyGroup = "streamscore-gateways"

    @Option(help: "Topic the workers produce metrics records to; the dashboard reads it.")
    var metricsTopic = "inference-metrics"

    @Option(help: "How long a request waits for its prediction before a 504, in milliseconds.")
    var timeoutMs = 5000

    @Option(help: "Largest request body accepted; larger ones get a 413.")
    var maxBodyBytes = 1 << 20

    @Option(help: "Requests waiting for a prediction at once; beyond it a 503 with Retry-After.")
    var maxPending = 10_000

    @Option(help: "Require Authorization: Bearer <token> (health endpoints stay open). Prefer STREAMSCORE_AUTH_TOKEN.")
    var authToken: String?

    @Option(help: "Model store directory; the gateway reads the model cards only.")
    var models = "Models"

    @Option(name: .customLong("kafka"), help: "A librdkafka property NAME=VALUE (repeatable).")
    var kafkaProperties: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard timeoutMs >= 1 else { throw ValidationError("--timeout-ms must be at least 1") }
        guard maxBodyBytes >= 64 else { throw ValidationError("--max-body-bytes must be at least 64") }
        guard maxPending >= 1 else { throw ValidationError("--max-pending must be at least 1") }
        if let authToken, authToken.isEmpty { throw ValidationError("--auth-token must not be empty") }
        _ = try parsedKafkaProperties()
    }

    func parsedKafkaProperties() throws -> [String: String] { try parseKafkaProperties(kafkaProperties) }

    func makeConfiguration() throws -> GatewayConfiguration {
        var config = GatewayConfiguration(brokers: brokers)
        config.host = host
        config.port = port
        config.inputTopic = inputTopic
        config.replyTopic = replyTopic
        config.replyGroup = replyGroup
        config.metricsTopic = metricsTopic
        config.timeout = .milliseconds(timeoutMs)
        config.maxBodyBytes = maxBodyBytes
        config.maxPending = maxPending
        config.authToken = authToken
        config.modelsDirectory = models
        config.kafkaProperties = try parsedKafkaProperties()
        return config
    }

    func run() async throws {
        let logger = makeLogger(label: "streamscore.gateway", level: logLevel)
        let config = try makeConfiguration()
        let known = ((try? ModelStore(directory: config.modelsDirectory).list()) ?? [:]).sorted { $0.key < $1.key }
        if known.isEmpty { logger.warning("no model cards found in '\(config.modelsDirectory)'") }
        let models = known.map { "\($0.key):\($0.value.joined(separator: "+"))" }.joined(separator: ",")
        let gateway = Gateway(configuration: config, logger: logger) { [config] bound in
            printLine(GatewayCommand.startLine(config, port: bound) + " models=" + models)
        }
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: gateway, successTerminationBehavior: .gracefullyShutdownGroup,
                             failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }

    static func startLine(_ config: GatewayConfiguration, port: Int) -> String {
        let host = config.host.contains(":") ? "[\(config.host)]" : config.host
        return "gateway listening on http://\(host):\(port) brokers=\(config.brokers) input=\(config.inputTopic) "
            + "replies=\(config.replyTopic) group=\(config.replyGroup) metrics=\(config.metricsTopic) "
            + "timeout=\(config.timeoutMilliseconds) ms "
            + "auth=\(config.authToken == nil ? "off" : "on")"
    }
}
