/// Latency percentiles in milliseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double

    public init(p50: Double, p90: Double, p99: Double, p999: Double, max: Double) {
        self.p50 = p50
        self.p90 = p90
        self.p99 = p99
        self.p999 = p999
        self.max = max
    }
}

/// The per-interval `"kind": "metrics"` record each worker produces to the metrics topic.
public struct MetricsRecord: Codable, Sendable, Equatable {
    public var kind = "metrics"
    public var worker: String
    /// Window bounds, epoch milliseconds.
    public var windowStartMs: Int64
    public var windowEndMs: Int64
    /// Records read (scored or dead-lettered) in the window.
    public var records: Int
    /// Rows scored in the window.
    public var rows: Int
    public var batches: Int
    /// Records dead-lettered in the window.
    public var errors: Int
    /// Dead-lettered records in the window by error code.
    public var errorsByCode: [String: Int]
    public var meanBatchRows: Double
    public var recordsPerSecond: Double
    public var queueMs: LatencySummary
    public var inferenceMs: LatencySummary
    public var endToEndMs: LatencySummary
    /// Sum of lag over assigned partitions, and per partition ("topic[p]" → lag).
    public var consumerLag: Int64
    public var consumerLagByPartition: [String: Int64]
    public var inflightRows: Int
    /// Model name → version served by default.
    public var models: [String: String]
    /// Model name → routing: loaded versions, pin, canary and shadow state.
    public var routing: [String: ModelRouting]?

    public init(worker: String, windowStartMs: Int64, windowEndMs: Int64, records: Int, rows: Int, batches: Int,
                errors: Int, errorsByCode: [String: Int], meanBatchRows: Double, recordsPerSecond: Double,
                queueMs: LatencySummary, inferenceMs: LatencySummary, endToEndMs: LatencySummary,
                consumerLag: Int64, consumerLagByPartition: [String: Int64], inflightRows: Int,
                models: [String: String], routing: [String: ModelRouting]? = nil) {
        self.worker = worker
        self.windowStartMs = windowStartMs
        self.windowEndMs = windowEndMs
        self.records = records
        self.rows = rows
        self.batches = batches
        self.errors = errors
        self.errorsByCode = errorsByCode
        self.meanBatchRows = meanBatchRows
        self.recordsPerSecond = recordsPerSecond
        self.queueMs = queueMs
        self.inferenceMs = inferenceMs
        self.endToEndMs = endToEndMs
        self.consumerLag = consumerLag
        self.consumerLagByPartition = consumerLagByPartition
        self.inflightRows = inflightRows
        self.models = models
        self.routing = routing
    }

    enum CodingKeys: String, CodingKey {
        case kind, worker, records, rows, batches, errors, models, routing
        case windowStartMs = "window_start_ms"
        case windowEndMs = "window_end_ms"
        case errorsByCode = "errors_by_code"
        case meanBatchRows = "mean_batch_rows"
        case recordsPerSecond = "records_per_s"
        case queueMs = "queue_ms"
        case inferenceMs = "inference_ms"
        case endToEndMs = "end_to_end_ms"
        case consumerLag = "consumer_lag"
        case consumerLagByPartition = "consumer_lag_by_partition"
        case inflightRows = "inflight_rows"
    }
}
