import Foundation
import Logging
import StreamScoreContract
import StreamScoreKafka
import StreamScoreModel
import StreamScoreWorker
import Synchronization

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let modelsDirectory = repositoryRoot.appendingPathComponent("Models").path

/// The standard topics on a fresh embedded broker.
func makeBroker() throws -> EmbeddedBroker {
    try EmbeddedBroker(topics: [
        TopicSpec("features", partitions: 6), TopicSpec("predictions", partitions: 6),
        TopicSpec("streamscore.replies", partitions: 6), TopicSpec("inference-metrics", partitions: 1),
        TopicSpec("features.dlq", partitions: 1),
    ])
}

func workerConfig(_ broker: EmbeddedBroker, group: String = "workers-\(UUID().uuidString.prefix(6))") -> WorkerConfiguration {
    var config = WorkerConfiguration(brokers: broker.bootstrapServers)
    config.group = group
    config.modelsDirectory = modelsDirectory
    config.httpPort = nil
    config.metricsInterval = .milliseconds(300)
    config.kafkaProperties = ["session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]
    return config
}

var quietLogger: Logger {
    var logger = Logger(label: "test")
    logger.logLevel = ProcessInfo.processInfo.environment["STREAMSCORE_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .warning
    return logger
}

/// A worker running in a task, stopped (drained) by `stop()`.
final class RunningWorker: Sendable {
    let worker: Worker
    private let task: Task<Void, any Error>

    init(_ config: WorkerConfiguration) throws {
        let worker = try Worker(configuration: config, logger: quietLogger)
        self.worker = worker
        task = Task { try await worker.run() }
    }

    func stop() async throws {
        worker.requestStop()
        try await task.value
    }
}

/// Produces records and waits for every acknowledgement.
func produce(_ broker: EmbeddedBroker, topic: String = "features",
             _ records: [(key: String, value: String, headers: [KafkaHeader])]) async throws {
    let done = Mutex(0)
    var config = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
    config.lingerMs = 5
    config.maxQueuedMessages = 1_000_000
    let producer = try KafkaProducer(configuration: config) { reports in
        done.withLock { $0 += reports.count }
        precondition(reports.allSatisfy { $0.error == nil })
    }
    for (i, r) in records.enumerated() {
        try await producer.enqueue(topic: topic, key: Array(r.key.utf8), value: Array(r.value.utf8), headers: r.headers,
                                   token: UInt64(i))
    }
    _ = await producer.flush(timeout: .seconds(60))
    await producer.close()
    precondition(done.withLock { $0 } == records.count)
}

/// Reads `count` records from `topic` with a fresh group, or until the timeout, or (with `idle`)
/// until nothing new arrived for that long after the first record.
func readAll(_ broker: EmbeddedBroker, topic: String, count: Int, timeout: Duration = .seconds(60),
             idle: Duration? = nil) async throws -> [KafkaMessage] {
    var config = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, groupID: "reader-\(UUID().uuidString.prefix(8))")
    config.sessionTimeoutMs = 6000
    let consumer = try KafkaConsumer(configuration: config, topics: [topic])
    var out: [KafkaMessage] = []
    let deadline = ContinuousClock.now + timeout
    var lastArrival = ContinuousClock.now
    while out.count < count, ContinuousClock.now < deadline {
        guard let batch = await consumer.nextBatch(timeout: .milliseconds(200)) else { break }
        if !batch.isEmpty { lastArrival = .now }
        out += batch
        if let idle, !out.isEmpty, ContinuousClock.now - lastArrival > idle { break }
    }
    await consumer.close()
    return out
}

/// Decodes a prediction record.
func decodePrediction(_ message: KafkaMessage) throws -> PredictionRecord {
    try JSONDecoder().decode(PredictionRecord.self, from: Data(message.value))
}

/// Iris rows with their expected labels, from the committed onnxruntime fixture.
struct IrisFixture {
    let rows: [[Float]]
    let labels: [Int64]

    static func load() throws -> IrisFixture {
        let url = repositoryRoot.appendingPathComponent("Models/iris/1/fixture.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let input = (json["inputs"] as! [String: Any])["float_input"] as! [String: Any]
        let shape = input["shape"] as! [Int]
        let data = (input["data"] as! [Any]).map { v -> Float in (v as? NSNumber)?.floatValue ?? .nan }
        let label = (json["outputs"] as! [String: Any])["label"] as! [String: Any]
        let labels = (label["data"] as! [NSNumber]).map(\.int64Value)
        var rows: [[Float]] = []
        for r in 0..<shape[0] { rows.append(Array(data[r * 4..<(r + 1) * 4])) }
        // Keep rows without missing values: records use null for those, covered elsewhere.
        let keep = rows.indices.filter { rows[$0].allSatisfy(\.isFinite) }
        return IrisFixture(rows: keep.map { rows[$0] }, labels: keep.map { labels[$0] })
    }
}

let irisFeatureNames = ["sepal_length", "sepal_width", "petal_length", "petal_width"]

func jsonNumber(_ f: Float) -> String { "\(f)" }
