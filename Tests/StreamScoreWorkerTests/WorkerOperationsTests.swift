import Foundation
import StreamScoreContract
import StreamScoreKafka
import StreamScoreWorker
import Testing

@Suite("Worker scaling, metrics, shutdown and backpressure", .serialized)
struct WorkerOperationsTests {
    static func irisRecords(_ n: Int, prefix: String = "s") -> [(key: String, value: String, headers: [KafkaHeader])] {
        (0..<n).map { i in ("\(prefix)\(i)", "{\"id\":\"\(prefix)\(i)\",\"features\":[5.1,3.5,1.4,\(Float(i % 20) / 10)]}", []) }
    }

    @Test("Two workers in one group split the partitions and predict every record exactly once")
    func scaleOut() async throws {
        let broker = try makeBroker()
        defer { broker.shutdown() }
        let config = workerConfig(broker)
        var a = config
        a.workerID = "worker-a"
        var b = config
        b.workerID = "worker-b"
        let first = try RunningWorker(a)
        let second = try RunningWorker(b)
        // Let the group settle with both members before the data arrives.
        let deadline = ContinuousClock.now + .seconds(30)
        while !(first.worker.isReady && second.worker.isReady), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        try await Task.sleep(for: .seconds(1))
        try await produce(broker, Self.irisRecords(6_000))
        let predictions = try await readAll(broker, topic: "predictions", count: 6_000)
        try await first.stop()
        try await second.stop()
        let decoded = try predictions.map(decodePrediction)
        #expect(decoded.count == 6_000)
        #expect(Set(decoded.compactMap(\.id)).count == 6_000, "exactly once")
        let byWorker = Dictionary(grouping: decoded, by: { $0.worker ?? "" })
        #expect(Set(byWorker.keys) == ["worker-a", "worker-b"], "both workers got partitions")
        let partitionsA = Set(byWorker["worker-a", default: []].compactMap { $0.source?.partition })
        let partitionsB = Set(byWorker["worker-b", default: []].compactMap { $0.source?.partition })
        #expect(partitionsA.isDisjoint(with: partitionsB))
    }

    @Test("Metrics records carry sane numbers")
    func metricsRecords() async throws {
        let broker = try makeBroker()
        defer { broker.shutdown() }
        try await produce(broker, Self.irisRecords(3_000) + [("bad", "{", [])])
        let worker = try RunningWorker(workerConfig(broker))
        _ = try await readAll(broker, topic: "predictions", count: 3_000)
        try await Task.sleep(for: .milliseconds(800))
        let metrics = try await readAll(broker, topic: "inference-metrics", count: 1_000, timeout: .seconds(8),
                                        idle: .seconds(1))
        try await worker.stop()
        let records = try metrics.map { try JSONDecoder().decode(MetricsRecord.self, from: Data($0.value)) }
        if ProcessInfo.processInfo.environment["STREAMSCORE_TEST_LOG"] != nil {
            for m in metrics { print(String(decoding: m.value, as: UTF8.self).prefix(200)) }
        }
        #expect(!records.isEmpty)
        #expect(records.allSatisfy { $0.kind == "metrics" && $0.worker == worker.worker.configuration.workerID })
        #expect(records.map(\.records).reduce(0, +) == 3_001)
        #expect(records.map(\.rows).reduce(0, +) == 3_000)
        #expect(records.map(\.errors).reduce(0, +) == 1)
        #expect(records.contains { $0.errorsByCode["invalid-json"] == 1 })
        let busy = try #require(records.first { $0.rows > 0 })
        #expect(busy.meanBatchRows >= 1 && busy.meanBatchRows <= 256)
        #expect(busy.endToEndMs.p50 > 0 && busy.endToEndMs.p50 <= busy.endToEndMs.p99 && busy.endToEndMs.p99 <= busy.endToEndMs.max)
        #expect(busy.inferenceMs.max < 1_000)
        #expect(busy.models == ["iris": "1"])
        #expect(records.last!.consumerLag == 0)
    }

    @Test("/metrics is Prometheus text that counts what happened")
    func prometheusEndpoint() async throws {
        let broker = try makeBroker()
        defer { broker.shutdown() }
        try await produce(broker, Self.irisRecords(500) + [("bad1", "[]", []), ("bad2", "", [])])
        let worker = try RunningWorker(workerConfig(broker))
        _ = try await readAll(broker, topic: "predictions", count: 500)
        _ = try await readAll(broker, topic: "features.dlq", count: 2)
        try await Task.sleep(for: .milliseconds(700))
        let text = worker.worker.registry.emitToString()
        try await worker.stop()
        let samples = try PrometheusText.parse(text)
        #expect(samples["streamscore_records_total{model=\"iris\",outcome=\"scored\"}"] == 500)
        #expect(samples["streamscore_dlq_total{error=\"invalid-record\"}"] == 1)
        #expect(samples["streamscore_dlq_total{error=\"empty\"}"] == 1)
        #expect(samples["streamscore_model_info{model=\"iris\",version=\"1\"}"] == 1)
        #expect((samples["streamscore_end_to_end_seconds_count"] ?? 0) == 500)
        #expect((samples["streamscore_batch_rows_sum"] ?? 0) == 500)
        #expect(samples.keys.contains { $0.hasPrefix("streamscore_consumer_lag{partition=") })
        #expect(samples["streamscore_inflight_rows"] != nil)
    }

    @Test("Backpressure: with a tiny in-flight bound, in-flight rows stay under it during a flood")
    func backpressure() async throws {
        let broker = try makeBroker()
        defer { broker.shutdown() }
        try await produce(broker, Self.irisRecords(20_000))
        var config = workerConfig(broker)
        config.maxInflightRows = 64
        config.maxBatchRows = 16
        let worker = try RunningWorker(config)
        let observed = Peak()
        let sampler = Task {
            while !Task.isCancelled {
                observed.update(worker.worker.inflightRows)
                try await Task.sleep(for: .microseconds(200))
            }
        }
        let predictions = try await readAll(broker, topic: "predictions", count: 20_000)
        sampler.cancel()
        try await worker.stop()
        #expect(predictions.count == 20_000)
        // The bound is checked before each pull; one pull adds at most a batch.
        #expect(observed.max <= 64 + 16)
        #expect(observed.max > 0)
    }
}

/// Tracks a maximum across tasks.
final class Peak: Sendable {
    private let value = Locked(0)
    func update(_ v: Int) { value.withLock { $0 = Swift.max($0, v) } }
    var max: Int { value.withLock { $0 } }
}

final class Locked<T: Sendable>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func withLock<R>(_ body: (inout T) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}

/// A minimal Prometheus text-format reader: `name{labels} value` lines, comments skipped.
enum PrometheusText {
    struct Malformed: Error { let line: String }

    static func parse(_ text: String) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                throw Malformed(line: String(line))
            }
            out[String(line[..<space])] = value
        }
        return out
    }
}
