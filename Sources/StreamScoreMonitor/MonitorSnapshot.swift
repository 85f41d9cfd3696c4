import StreamScoreContract

/// Everything the live views show, at one moment. Encodes to the JSON of the gateway's
/// `GET /dashboard/data` (snake_case keys; times in epoch milliseconds or seconds as named).
public struct MonitorSnapshot: Codable, Sendable {
    /// The reader's clock when the snapshot was taken, epoch milliseconds.
    public var nowMs: Int64
    public var topic: String
    public var feed: FeedStatus
    /// How far back the series reach, in seconds.
    public var windowSeconds: Int
    /// Workers seen recently: live ones first, then stale ones, each group by id.
    public var workers: [WorkerStatus]
    /// Fleet totals per second over the window.
    public var series: FleetSeries
    /// Drift per model version, drifted ones first.
    public var drift: [ModelDrift]
    /// The most recent model events, newest first.
    public var events: [ModelEventRecord]

    enum CodingKeys: String, CodingKey {
        case topic, feed, workers, series, drift, events
        case nowMs = "now_ms"
        case windowSeconds = "window_s"
    }

    /// The workers whose last record is recent.
    public var liveWorkers: [WorkerStatus] { workers.filter { $0.state == .live } }
}

/// How far the feed got with the metrics topic.
public struct FeedStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Nothing read yet, and the brokers have not yet told where the topic ends.
        case connecting
        /// Reading the history that was in the topic at start.
        case catchingUp = "catching-up"
        /// Caught up; following new records.
        case live
        /// The reader could not be created (see ``FeedStatus/error``).
        case failed
        /// Closed.
        case stopped
    }

    public var state: State
    /// Records read from the topic, and those that were not metrics-topic JSON of a known kind.
    public var recordsRead: Int
    public var recordsSkipped: Int
    public var error: String?

    public init(state: State, recordsRead: Int = 0, recordsSkipped: Int = 0, error: String? = nil) {
        self.state = state
        self.recordsRead = recordsRead
        self.recordsSkipped = recordsSkipped
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case state, error
        case recordsRead = "records_read"
        case recordsSkipped = "records_skipped"
    }
}

/// One worker's latest metrics window.
public struct WorkerStatus: Codable, Sendable {
    public enum State: String, Codable, Sendable { case live, stale }

    public var id: String
    public var state: State
    /// End of its latest window, epoch milliseconds (the worker's clock), and its age in seconds.
    public var lastSeenMs: Int64
    public var ageSeconds: Double
    /// Length of its latest window in seconds (its metrics interval).
    public var intervalSeconds: Double
    /// Records consumed per second (scored or dead-lettered).
    public var recordsPerSecond: Double
    /// Prediction records published per second (records minus dead letters).
    public var predictionsPerSecond: Double
    /// Rows scored per second (a `data` record holds several).
    public var rowsPerSecond: Double
    /// Records dead-lettered per second, in total and by error code.
    public var dlqPerSecond: Double
    public var dlqPerSecondByCode: [String: Double]
    public var meanBatchRows: Double
    public var endToEndMs: LatencySummary
    public var queueMs: LatencySummary
    public var inferenceMs: LatencySummary
    public var inflightRows: Int
    public var consumerLag: Int64
    public var consumerLagByPartition: [String: Int64]
    /// Model name → version served by default.
    public var models: [String: String]
    /// Model name → routing (canary, shadow, pin), when the worker reports it.
    public var routing: [String: ModelRouting]?

    enum CodingKeys: String, CodingKey {
        case id, state, models, routing
        case lastSeenMs = "last_seen_ms"
        case ageSeconds = "age_s"
        case intervalSeconds = "interval_s"
        case recordsPerSecond = "records_per_s"
        case predictionsPerSecond = "predictions_per_s"
        case rowsPerSecond = "rows_per_s"
        case dlqPerSecond = "dlq_per_s"
        case dlqPerSecondByCode = "dlq_per_s_by_code"
        case meanBatchRows = "mean_batch_rows"
        case endToEndMs = "end_to_end_ms"
        case queueMs = "queue_ms"
        case inferenceMs = "inference_ms"
        case inflightRows = "inflight_rows"
        case consumerLag = "consumer_lag"
        case consumerLagByPartition = "consumer_lag_by_partition"
    }
}

/// Fleet figures per second, as columns over the same time axis `t`. A `null` is a second no
/// worker reported. Rates add up over workers; percentiles are the highest among the workers
/// (the worst worker), since percentiles of different workers cannot be combined exactly.
public struct FleetSeries: Codable, Sendable {
    /// Epoch seconds (the workers' clocks), one per second with no gaps, oldest first.
    public var t: [Int64] = []
    /// Workers that reported for that second.
    public var workers: [Int] = []
    public var recordsPerSecond: [Double?] = []
    public var predictionsPerSecond: [Double?] = []
    public var rowsPerSecond: [Double?] = []
    public var dlqPerSecond: [Double?] = []
    /// Error code → dead letters per second.
    public var dlqPerSecondByCode: [String: [Double?]] = [:]
    public var meanBatchRows: [Double?] = []
    public var endToEndP50Ms: [Double?] = []
    public var endToEndP99Ms: [Double?] = []
    public var endToEndP999Ms: [Double?] = []
    /// Summed over workers (gauges).
    public var consumerLag: [Int64?] = []
    public var inflightRows: [Int?] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case t, workers
        case recordsPerSecond = "records_per_s"
        case predictionsPerSecond = "predictions_per_s"
        case rowsPerSecond = "rows_per_s"
        case dlqPerSecond = "dlq_per_s"
        case dlqPerSecondByCode = "dlq_per_s_by_code"
        case meanBatchRows = "mean_batch_rows"
        case endToEndP50Ms = "end_to_end_p50_ms"
        case endToEndP99Ms = "end_to_end_p99_ms"
        case endToEndP999Ms = "end_to_end_p999_ms"
        case consumerLag = "consumer_lag"
        case inflightRows = "inflight_rows"
    }
}

/// One feature's drift in the latest window.
public struct FeatureDrift: Codable, Sendable, Equatable {
    public var feature: String
    public var psi: Double
    public var drifted: Bool
    public var missingFraction: Double?

    enum CodingKeys: String, CodingKey {
        case feature, psi, drifted
        case missingFraction = "missing_fraction"
    }
}

/// Drift of one model version: the latest window, and PSI per feature over time.
public struct ModelDrift: Codable, Sendable {
    public var model: String
    public var version: String
    /// The latest drift record (from whichever worker closed a window last).
    public var latest: DriftRecord
    /// Every feature of the latest window, worst first.
    public var features: [FeatureDrift]
    /// PSI per feature over time: epoch seconds of window ends (merged across workers, highest PSI).
    public var series: DriftSeries

    /// `true` when any feature of the latest window is over the threshold.
    public var isDrifting: Bool { features.contains { $0.drifted } }

    enum CodingKeys: String, CodingKey {
        case model, version, latest, features, series
        case isDrifting = "drifting"
    }

    public init(model: String, version: String, latest: DriftRecord, features: [FeatureDrift], series: DriftSeries) {
        self.model = model
        self.version = version
        self.latest = latest
        self.features = features
        self.series = series
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        model = try c.decode(String.self, forKey: .model)
        version = try c.decode(String.self, forKey: .version)
        latest = try c.decode(DriftRecord.self, forKey: .latest)
        features = try c.decode([FeatureDrift].self, forKey: .features)
        series = try c.decode(DriftSeries.self, forKey: .series)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(model, forKey: .model)
        try c.encode(version, forKey: .version)
        try c.encode(isDrifting, forKey: .isDrifting)
        try c.encode(latest, forKey: .latest)
        try c.encode(features, forKey: .features)
        try c.encode(series, forKey: .series)
    }
}

/// PSI over time for one model version, as columns over `t`.
public struct DriftSeries: Codable, Sendable {
    /// Epoch seconds of the windows' ends, oldest first.
    public var t: [Int64] = []
    /// Feature → PSI at each `t` (`null` when that window did not report the feature).
    public var psi: [String: [Double?]] = [:]
    /// PSI of the predicted-class distribution at each `t`, when reported.
    public var predictionPSI: [Double?] = []
    /// The threshold of the latest window.
    public var threshold: Double = 0

    public init() {}

    enum CodingKeys: String, CodingKey {
        case t, psi, threshold
        case predictionPSI = "prediction_psi"
    }
}
