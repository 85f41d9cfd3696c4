import Foundation
import StreamScoreContract
import StreamScoreKafka
import StreamScoreMonitor

/// This machine's clock in epoch milliseconds.
func nowMs() -> Int64 { MetricsFeed.epochMilliseconds() }

/// A metrics record of `worker` for the window `[endMs - lengthMs, endMs]`.
func metricsRecord(_ worker: String, endMs: Int64, lengthMs: Int64 = 1000, records: Int = 100, rows: Int = 200,
                   batches: Int = 10, errorsByCode: [String: Int] = [:], p50: Double = 1, p99: Double = 4,
                   p999: Double = 6, lag: Int64 = 0, inflight: Int = 0, models: [String: String] = ["iris": "1"],
                   routing: [String: ModelRouting]? = nil) -> MetricsRecord {
    let seconds = Double(lengthMs) / 1000
    let errors = errorsByCode.values.reduce(0, +)
    let latency = LatencySummary(p50: p50, p90: (p50 + p99) / 2, p99: p99, p999: p999, max: p999 + 1)
    return MetricsRecord(worker: worker, windowStartMs: endMs - lengthMs, windowEndMs: endMs, records: records, rows: rows,
                         batches: batches, errors: errors, errorsByCode: errorsByCode,
                         meanBatchRows: batches > 0 ? Double(rows) / Double(batches) : 0,
                         recordsPerSecond: Double(records) / seconds, queueMs: latency, inferenceMs: latency,
                         endToEndMs: latency, consumerLag: lag, consumerLagByPartition: ["features[0]": lag],
                         inflightRows: inflight, models: models, routing: routing)
}

/// A drift record of iris version `version` with these PSI values against threshold 0.2.
func driftRecord(_ worker: String, endMs: Int64, psi: [String: Double], model: String = "iris",
                 version: String = "1") -> DriftRecord {
    DriftRecord(worker: worker, model: model, version: version, windowStartMs: endMs - 10_000, windowEndMs: endMs,
                rows: 1000, threshold: 0.2, psi: psi, drifted: psi.mapValues { $0 > 0.2 },
                missingFraction: psi.mapValues { _ in 0 }, predictionDistribution: ["setosa": 0.5, "virginica": 0.5],
                baselinePredictionDistribution: ["setosa": 0.34, "virginica": 0.33], predictionPSI: 0.07)
}

/// Produces values keyed by worker id, in order (so each worker's records stay in order in its
/// partition), and waits until the broker has them all.
func produce(_ broker: EmbeddedBroker, topic: String, _ values: [(key: String, value: [UInt8])]) async throws {
    var config = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
    config.lingerMs = 2
    let producer = try KafkaProducer(configuration: config)
    for (i, (key, value)) in values.enumerated() {
        try await producer.enqueue(topic: topic, key: Array(key.utf8), value: value, token: UInt64(i))
    }
    let flushed = await producer.flush(timeout: .seconds(20))
    await producer.close()
    guard flushed else { throw KafkaError.closed }
}

func encoded(_ record: some Encodable) -> [UInt8] {
    Array(try! JSONEncoder().encode(record))
}

/// Produces records of the metrics topic, each keyed by its worker.
func produce(_ broker: EmbeddedBroker, topic: String, metrics: [MetricsRecord] = [], drift: [DriftRecord] = [],
             events: [ModelEventRecord] = []) async throws {
    let values = metrics.map { ($0.worker, encoded($0)) } + drift.map { ($0.worker, encoded($0)) }
        + events.map { ($0.worker, encoded($0)) }
    try await produce(broker, topic: topic, values.map { (key: $0.0, value: $0.1) })
}

/// A feed running in a task, stopped by cancellation.
final class RunningFeed: Sendable {
    let feed: MetricsFeed
    private let task: Task<Void, any Error>

    init(_ configuration: MetricsFeedConfiguration) {
        let feed = MetricsFeed(configuration: configuration)
        self.feed = feed
        task = Task { try await feed.run() }
    }

    /// Cancels the feed and waits for it to close its reader.
    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(15), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return condition()
}
