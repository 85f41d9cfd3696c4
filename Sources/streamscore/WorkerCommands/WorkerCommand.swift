import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StreamScoreKafka
import StreamScoreWorker

/// `streamscore worker`: one scoring worker in a consumer group.
struct WorkerCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Consume feature records, score them in dynamic batches, publish predictions.",
        discussion: """
        Joins the consumer group, reads --input-topic, scores with the models in --models and \
        produces one prediction per record to --output-topic (or the record's reply-to topic), \
        rejects to --dlq-topic with the reason in headers, and metrics records to --metrics-topic. \
        Offsets are stored only after the output is acknowledged (at least once). SIGINT/SIGTERM \
        drain in-flight work, commit and leave the group within --shutdown-timeout-ms.
        """
    )
    static let environmentOptions = [
        "brokers", "group", "input-topic", "output-topic", "metrics-topic", "dlq-topic", "models", "default-model",
        "max-batch-rows", "max-batch-delay-ms", "lanes", "max-inflight-rows", "metrics-interval-ms", "http-port",
        "kafka", "log-level", "max-record-bytes", "shutdown-timeout-ms", "pin", "model-poll-ms", "control-topic",
        "shadow-topic", "drift-window-rows", "drift-window-seconds", "drift-psi-threshold",
    ]
    static let environmentLists = ["kafka", "pin"]

    @Option(help: "Kafka bootstrap servers, comma-separated.")
    var brokers: String

    @Option(help: "Consumer group.")
    var group = "streamscore-workers"

    @Option(help: "Topic of feature records.")
    var inputTopic = "features"

    @Option(help: "Topic of predictions.")
    var outputTopic = "predictions"

    @Option(help: "Topic of metrics records.")
    var metricsTopic = "inference-metrics"

    @Option(help: "Dead-letter topic.")
    var dlqTopic = "features.dlq"

    @Option(help: "Model store directory (<name>/<version>/model.onnx + card.json).")
    var models = "Models"

    @Option(help: "Model for records without a model header, as NAME or NAME:VERSION.")
    var defaultModel = "iris"

    @Option(help: "Serve this version of a model by default, as NAME:VERSION (repeatable; the control topic can change it).")
    var pin: [String] = []

    @Option(help: "Scan --models for new, changed or removed versions every this many milliseconds (0: never).")
    var modelPollMs = 2000

    @Option(help: "Topic of control commands (pin, unpin, canary, shadow, rollback); empty to follow none.")
    var controlTopic = "streamscore.control"

    @Option(help: "Topic of shadow predictions.")
    var shadowTopic = "predictions.shadow"

    @Option(help: "Rows per drift window, per model version (0: no drift monitoring).")
    var driftWindowRows = 5000

    @Option(help: "Also close a drift window after this many seconds, if it has rows (0: rows only).")
    var driftWindowSeconds: Double = 0

    @Option(help: "A feature whose PSI against the card's baseline exceeds this is flagged as drifted.")
    var driftPsiThreshold = 0.2

    @Option(help: "A batch closes at this many rows (see README: batching defaults).")
    var maxBatchRows = 256

    @Option(help: "...or this many milliseconds after its first record.")
    var maxBatchDelayMs: Double = 2

    @Option(help: "Batches scored at once (default: the number of cores).")
    var lanes = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Rows in flight before the worker pauses its partitions.")
    var maxInflightRows = 20_000

    @Option(help: "Interval of metrics records, in milliseconds.")
    var metricsIntervalMs = 1000

    @Option(help: "Port for /metrics, /healthz and /readyz (0 picks a free port; -1 disables).")
    var httpPort = 9100

    @Option(name: .customLong("kafka"), help: "A librdkafka property NAME=VALUE (repeatable).")
    var kafkaProperties: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Records above this many bytes go to the DLQ as too-large.")
    var maxRecordBytes = 1 << 20

    @Option(help: "Deadline for draining on shutdown and revoke, in milliseconds.")
    var shutdownTimeoutMs = 10_000

    func validate() throws {
        guard maxBatchRows >= 1 else { throw ValidationError("--max-batch-rows must be at least 1") }
        guard maxBatchDelayMs >= 0 else { throw ValidationError("--max-batch-delay-ms must not be negative") }
        guard lanes >= 1 else { throw ValidationError("--lanes must be at least 1") }
        guard maxInflightRows >= maxBatchRows else {
            throw ValidationError("--max-inflight-rows must be at least --max-batch-rows")
        }
        _ = try parsedKafkaProperties()
        _ = try parsedPins()
        guard driftWindowRows >= 0, driftWindowSeconds >= 0 else {
            throw ValidationError("--drift-window-rows and --drift-window-seconds must not be negative")
        }
        guard driftPsiThreshold > 0 else { throw ValidationError("--drift-psi-threshold must be positive") }
        guard modelPollMs >= 0 else { throw ValidationError("--model-poll-ms must not be negative") }
    }

    func parsedPins() throws -> [String: String] {
        var pins: [String: String] = [:]
        for entry in pin {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--pin takes NAME:VERSION, got '\(entry)'")
            }
            pins[parts[0]] = parts[1]
        }
        return pins
    }

    func parsedKafkaProperties() throws -> [String: String] { try parseKafkaProperties(kafkaProperties) }

    func makeConfiguration() throws -> WorkerConfiguration {
        var config = WorkerConfiguration(brokers: brokers)
        config.group = group
        config.inputTopic = inputTopic
        config.outputTopic = outputTopic
        config.metricsTopic = metricsTopic
        config.dlqTopic = dlqTopic
        config.modelsDirectory = models
        let parts = defaultModel.split(separator: ":", maxSplits: 1).map(String.init)
        config.defaultModel = parts[0]
        config.defaultModelVersion = parts.count > 1 ? parts[1] : nil
        config.maxBatchRows = maxBatchRows
        config.maxBatchDelay = .microseconds(Int64(maxBatchDelayMs * 1000))
        config.lanes = lanes
        config.maxInflightRows = maxInflightRows
        config.metricsInterval = .milliseconds(metricsIntervalMs)
        config.httpPort = httpPort < 0 ? nil : httpPort
        config.kafkaProperties = try parsedKafkaProperties()
        config.maxRecordBytes = maxRecordBytes
        config.shutdownTimeout = .milliseconds(shutdownTimeoutMs)
        config.pins = try parsedPins()
        config.modelPollInterval = modelPollMs > 0 ? .milliseconds(modelPollMs) : nil
        config.controlTopic = controlTopic.isEmpty ? nil : controlTopic
        config.shadowTopic = shadowTopic
        config.driftWindowRows = driftWindowRows
        config.driftWindowDuration = driftWindowSeconds > 0 ? .milliseconds(Int64(driftWindowSeconds * 1000)) : nil
        config.driftPSIThreshold = driftPsiThreshold
        return config
    }

    func run() async throws {
        let logger = makeLogger(label: "streamscore.worker", level: logLevel)
        let config = try makeConfiguration()
        let worker = try Worker(configuration: config, logger: logger)
        let models = worker.servedModels.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup,
                  failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        let startLine = "worker \(config.workerID): brokers=\(config.brokers) group=\(config.group) "
            + "input=\(config.inputTopic) output=\(config.outputTopic) metrics=\(config.metricsTopic) "
            + "dlq=\(config.dlqTopic) control=\(config.controlTopic ?? "-") models=\(models) lanes=\(config.lanes) "
            + "batch=\(config.maxBatchRows) rows/\(maxBatchDelayMs) ms"
        if let port = config.httpPort {
            let app = WorkerHTTPServer.application(for: worker, host: config.httpHost, port: port, logger: logger) { bound in
                printLine(startLine + " http=:\(bound)")
            }
            services.insert(.init(service: app), at: 0)
        } else {
            printLine(startLine)
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
    }
}
