import Foundation

/// Everything a worker needs to run. Defaults match `streamscore worker`'s flags.
public struct WorkerConfiguration: Sendable {
    /// Bootstrap servers, comma-separated.
    public var brokers: String
    public var group = "streamscore-workers"
    public var inputTopic = "features"
    public var outputTopic = "predictions"
    public var metricsTopic = "inference-metrics"
    public var dlqTopic = "features.dlq"
    /// The model store directory: `<models>/<name>/<version>/{model.onnx,card.json}`.
    public var modelsDirectory = "Models"
    /// The model scoring records that name none.
    public var defaultModel = "iris"
    /// A pinned version of the default model; the latest version otherwise.
    public var defaultModelVersion: String?
    /// Pinned versions by model name (`--pin iris:1`); other models serve their latest version.
    /// The control topic can change them at run time.
    public var pins: [String: String] = [:]
    /// How often the model directory is scanned for new, changed or removed versions; `nil` never.
    public var modelPollInterval: Duration? = .seconds(2)
    /// The control topic (pin/unpin/canary/shadow/rollback commands); `nil` follows none.
    public var controlTopic: String? = "streamscore.control"
    /// How long start-up waits to replay the control topic before scoring anyway.
    public var controlCatchUpTimeout: Duration = .seconds(10)
    /// Where shadow predictions go.
    public var shadowTopic = "predictions.shadow"
    /// Rows per drift window (per model version); 0 turns drift monitoring off.
    public var driftWindowRows = 5000
    /// Also close a drift window this long after it started, if it has rows.
    public var driftWindowDuration: Duration?
    /// A feature whose PSI exceeds this counts as drifted.
    public var driftPSIThreshold = 0.2
    /// A batch closes at this many rows...
    public var maxBatchRows = 256
    /// ...or this long after its first record, whichever comes first.
    public var maxBatchDelay: Duration = .milliseconds(2)
    /// Batches scored at once.
    public var lanes = ProcessInfo.processInfo.activeProcessorCount
    /// Rows consumed but not yet acknowledged; past it the worker pauses its partitions.
    public var maxInflightRows = 20_000
    public var metricsInterval: Duration = .seconds(1)
    /// Port for /metrics, /healthz and /readyz; `nil` serves nothing.
    public var httpPort: Int? = 9100
    /// Host for the HTTP endpoints.
    public var httpHost = "0.0.0.0"
    /// Extra librdkafka properties for both the consumer and the producer.
    public var kafkaProperties: [String: String] = [:]
    /// Records above this size go to the DLQ as `too-large`.
    public var maxRecordBytes = 1 << 20
    /// How long shutdown and revoke may take to drain.
    public var shutdownTimeout: Duration = .seconds(10)
    /// This worker's id in predictions and metrics.
    public var workerID = WorkerConfiguration.defaultWorkerID()

    public init(brokers: String) {
        self.brokers = brokers
    }

    /// `hostname-pid`.
    public static func defaultWorkerID() -> String {
        "\(ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "worker")-\(ProcessInfo.processInfo.processIdentifier)"
    }
}
