import CoreMetrics

import Metrics
import Prometheus
import StreamScoreContract
import StreamScoreKafka

/// The worker's metrics: Prometheus series (through swift-metrics) and the per-interval window
/// that becomes a `"kind": "metrics"` record (percentiles from HdrHistogram).
final class WorkerMetrics: Sendable {
    private struct Window {
        var start = epochMilliseconds()
        var records = 0
        var rows = 0
        var batches = 0
        var errors = 0
        var errorsByCode: [String: Int] = [:]
        var queue = LatencyHistogram.microseconds(upTo: 60_000_000)
        var inference = LatencyHistogram.microseconds(upTo: 60_000_000)
        var endToEnd = LatencyHistogram.microseconds(upTo: 3_600_000_000)
    }

    private let window = Locked(Window())
    /// Since start: end-to-end and in-worker (arrival → produce) latency, rows and batches.
    private let totals = Locked((endToEnd: LatencyHistogram.microseconds(upTo: 3_600_000_000),
                                 inWorker: LatencyHistogram.microseconds(upTo: 60_000_000), rows: 0, batches: 0))
    private let factory: PrometheusMetricsFactory
    private let queueTimer: CoreMetrics.Timer
    private let inferenceTimer: CoreMetrics.Timer
    /// Seconds as a `Double` histogram: it takes one observation per prediction, and comparing
    /// doubles against the buckets costs far less than comparing `Duration`s.
    private let endToEndSeconds: CoreMetrics.Recorder
    private let batchRows: CoreMetrics.Recorder
    private let inflight: CoreMetrics.Gauge
    private let lagGauges = Locked<[String: CoreMetrics.Gauge]>([:])
    private let recordCounters = Locked<[String: CoreMetrics.Counter]>([:])
    private let dlqCounters = Locked<[String: CoreMetrics.Counter]>([:])
    private let served = Locked<[String: String]>([:])
    let registry: PrometheusCollectorRegistry

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        let latencyBuckets: [Duration] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
            .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        for name in ["streamscore_queue_seconds", "streamscore_inference_seconds"] {
            factory.durationHistogramBuckets[name] = latencyBuckets
        }
        factory.valueHistogramBuckets["streamscore_end_to_end_seconds"] = latencyBuckets.map { $0.milliseconds / 1000 }
        factory.valueHistogramBuckets["streamscore_batch_rows"] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
        self.factory = factory
        queueTimer = CoreMetrics.Timer(label: "streamscore_queue_seconds", factory: factory)
        inferenceTimer = CoreMetrics.Timer(label: "streamscore_inference_seconds", factory: factory)
        endToEndSeconds = CoreMetrics.Recorder(label: "streamscore_end_to_end_seconds", aggregate: true, factory: factory)
        batchRows = CoreMetrics.Recorder(label: "streamscore_batch_rows", aggregate: true, factory: factory)
        inflight = CoreMetrics.Gauge(label: "streamscore_inflight_rows", factory: factory)
    }

    /// Marks which model versions serve by default (`streamscore_model_info{model,version} 1`);
    /// versions no longer serving drop to 0.
    func setModels(_ models: [String: String]) {
        let previous = served.withLock { s in
            defer { s = models }
            return s
        }
        for (model, version) in previous where models[model] != version {
            CoreMetrics.Gauge(label: "streamscore_model_info", dimensions: [("model", model), ("version", version)], factory: factory)
                .record(0)
        }
        for (model, version) in models {
            CoreMetrics.Gauge(label: "streamscore_model_info", dimensions: [("model", model), ("version", version)], factory: factory)
                .record(1)
        }
    }

    /// Publishes a closed drift window as `streamscore_drift_psi{model,feature}`,
    /// `streamscore_drifted{model,feature}` and `streamscore_prediction_psi{model}`.
    func recordDrift(_ record: DriftRecord) {
        for (feature, psi) in record.psi {
            let dimensions = [("model", record.model), ("feature", feature)]
            CoreMetrics.Gauge(label: "streamscore_drift_psi", dimensions: dimensions, factory: factory).record(psi)
            CoreMetrics.Gauge(label: "streamscore_drifted", dimensions: dimensions, factory: factory)
                .record(record.drifted[feature] == true ? 1 : 0)
        }
        if let psi = record.predictionPSI {
            CoreMetrics.Gauge(label: "streamscore_prediction_psi", dimensions: [("model", record.model)], factory: factory).record(psi)
        }
    }

    /// Counts a model event (`streamscore_model_events_total{model,event}`).
    func countModelEvent(_ event: String, model: String) {
        counter(recordCounters, label: "streamscore_model_events_total", dimensions: [("model", model), ("event", event)])
            .increment()
    }

    private func counter(_ table: Locked<[String: CoreMetrics.Counter]>, label: String, dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = dimensions.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return table.withLock { t in
            if let c = t[key] { return c }
            let c = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
            t[key] = c
            return c
        }
    }

    /// Records one scored batch.
    func recordBatch(_ timings: BatchProcessor.Timings, records: Int) {
        if timings.rows > 0 { batchRows.record(timings.rows) }
        // Prometheus gets one queue observation per batch (its oldest record); the window keeps all.
        if let oldest = timings.queueMicros.max() { queueTimer.recordNanoseconds(oldest * 1000) }
        for i in timings.inferenceMicros { inferenceTimer.recordNanoseconds(i * 1000) }
        for (model, n) in timings.scoredByModel {
            counter(recordCounters, label: "streamscore_records_total", dimensions: [("model", model), ("outcome", "scored")])
                .increment(by: n)
        }
        for (modelVersion, n) in timings.shadowByModel {
            let parts = modelVersion.split(separator: "/", maxSplits: 1).map(String.init)
            counter(recordCounters, label: "streamscore_shadow_predictions_total",
                    dimensions: [("model", parts[0]), ("version", parts.count > 1 ? parts[1] : "")]).increment(by: n)
        }
        if timings.shadowFailures > 0 {
            counter(recordCounters, label: "streamscore_records_total", dimensions: [("model", ""), ("outcome", "shadow-failed")])
                .increment(by: timings.shadowFailures)
        }
        var codes: [String: Int] = [:]
        for code in timings.dead { codes[code.rawValue, default: 0] += 1 }
        for (code, n) in codes {
            counter(recordCounters, label: "streamscore_records_total", dimensions: [("model", ""), ("outcome", "dlq")])
                .increment(by: n)
            counter(dlqCounters, label: "streamscore_dlq_total", dimensions: [("error", code)]).increment(by: n)
        }
        if timings.rows > 0 { totals.withLock { $0.rows += timings.rows; $0.batches += 1 } }
        window.withLock { w in
            w.records += records
            w.rows += timings.rows
            if timings.rows > 0 { w.batches += 1 }
            w.errors += timings.dead.count
            for (code, n) in codes { w.errorsByCode[code, default: 0] += n }
            for q in timings.queueMicros { _ = w.queue.record(UInt64(max(0, q))) }
            for i in timings.inferenceMicros { _ = w.inference.record(UInt64(max(0, i))) }
        }
    }

    /// Records end-to-end latencies and in-worker latencies (microseconds) of produced predictions.
    func recordEndToEnd(_ micros: [Int64], inWorker: [Int64]) {
        // Prometheus gets the batch's records in one pass through its lock-protected histogram.
        for m in micros { endToEndSeconds.record(Double(m) / 1e6) }
        window.withLock { w in
            for m in micros { _ = w.endToEnd.record(UInt64(max(0, m))) }
        }
        totals.withLock { t in
            for m in micros { _ = t.endToEnd.record(UInt64(max(0, m))) }
            for m in inWorker { _ = t.inWorker.record(UInt64(max(0, m))) }
        }
    }

    /// Latency and batch figures since start, for benchmarks.
    func summarySinceStart() -> WorkerSummary {
        totals.withLock { t in
            WorkerSummary(endToEndMs: Self.summary(t.endToEnd), inWorkerMs: Self.summary(t.inWorker),
                          meanBatchRows: t.batches > 0 ? Double(t.rows) / Double(t.batches) : 0)
        }
    }

    static func summary(_ h: LatencyHistogram) -> LatencySummary {
        guard h.totalCount > 0 else { return LatencySummary(p50: 0, p90: 0, p99: 0, p999: 0, max: 0) }
        return LatencySummary(p50: Double(h.valueAtPercentile(50)) / 1000, p90: Double(h.valueAtPercentile(90)) / 1000,
                              p99: Double(h.valueAtPercentile(99)) / 1000, p999: Double(h.valueAtPercentile(99.9)) / 1000,
                              max: Double(h.max) / 1000)
    }

    func setInflight(_ rows: Int) { inflight.record(rows) }

    func setLag(_ lag: [TopicPartition: Int64]) {
        for (tp, value) in lag {
            let gauge = lagGauges.withLock { g in
                if let existing = g[tp.description] { return existing }
                let made = CoreMetrics.Gauge(label: "streamscore_consumer_lag", dimensions: [("partition", String(tp.partition))],
                                 factory: factory)
                g[tp.description] = made
                return made
            }
            gauge.record(value)
        }
    }

    /// Closes the current window and returns it as a metrics record.
    func closeWindow(worker: String, lag: [TopicPartition: Int64], inflightRows: Int,
                     models: [String: String], routing: [String: ModelRouting]? = nil) -> MetricsRecord {
        let now = epochMilliseconds()
        let w = window.withLock { w -> Window in
            let closed = w
            w = Window()
            w.start = now
            return closed
        }
        let summary = Self.summary
        let seconds = max(0.001, Double(now - w.start) / 1000)
        return MetricsRecord(
            worker: worker, windowStartMs: w.start, windowEndMs: now, records: w.records, rows: w.rows,
            batches: w.batches, errors: w.errors, errorsByCode: w.errorsByCode,
            meanBatchRows: w.batches > 0 ? Double(w.rows) / Double(w.batches) : 0,
            recordsPerSecond: Double(w.records) / seconds,
            queueMs: summary(w.queue), inferenceMs: summary(w.inference), endToEndMs: summary(w.endToEnd),
            consumerLag: lag.values.reduce(0, +),
            consumerLagByPartition: Dictionary(lag.map { ($0.key.description, $0.value) }, uniquingKeysWith: { a, _ in a }),
            inflightRows: inflightRows, models: models, routing: routing)
    }
}

/// Figures since the worker started, for benchmarks.
public struct WorkerSummary: Sendable {
    public var endToEndMs: LatencySummary
    /// From taking the record off the consumer to producing its prediction.
    public var inWorkerMs: LatencySummary
    public var meanBatchRows: Double
}
