import Foundation
import StreamScoreContract
import StreamScoreKafka
import StreamScoreModel
import StreamScoreWorker

/// A throwaway model store holding copies of Models/iris/1, removed by `cleanUp()`.
struct TemporaryModelStore {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "streamscore-models-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path + "/iris", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: modelsDirectory + "/iris/1", toPath: path + "/iris/1")
    }

    /// Publishes iris `version` atomically (written under a hidden name, then renamed): a copy of
    /// version 1 whose card says `version`, changed by `editCard`, with `model.onnx` replaced by
    /// `modelBytes` when given.
    func addVersion(_ version: String, modelBytes: [UInt8]? = nil,
                    editCard: (inout [String: Any]) -> Void = { _ in }) throws {
        let staging = path + "/iris/.tmp-\(version)"
        try FileManager.default.copyItem(atPath: path + "/iris/1", toPath: staging)
        let cardURL = URL(fileURLWithPath: staging + "/card.json")
        var card = try JSONSerialization.jsonObject(with: Data(contentsOf: cardURL)) as! [String: Any]
        card["version"] = version
        editCard(&card)
        try JSONSerialization.data(withJSONObject: card, options: [.prettyPrinted]).write(to: cardURL)
        if let modelBytes { try Data(modelBytes).write(to: URL(fileURLWithPath: staging + "/model.onnx")) }
        try FileManager.default.moveItem(atPath: staging, toPath: path + "/iris/\(version)")
    }

    func removeVersion(_ version: String) throws {
        try FileManager.default.removeItem(atPath: path + "/iris/\(version)")
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: path) }
}

/// The standard topics plus the control and shadow topics.
func makeLifecycleBroker() throws -> EmbeddedBroker {
    let broker = try makeBroker()
    try broker.createTopic("streamscore.control", partitions: 1)
    try broker.createTopic("predictions.shadow", partitions: 6)
    return broker
}

/// A worker configuration on a temporary store, scanning it every 200 ms.
func lifecycleConfig(_ broker: EmbeddedBroker, store: TemporaryModelStore, group: String = "workers-\(UUID().uuidString.prefix(6))")
    -> WorkerConfiguration {
    var config = workerConfig(broker, group: group)
    config.modelsDirectory = store.path
    config.modelPollInterval = .milliseconds(200)
    return config
}

/// Sends control commands and waits for their acknowledgement.
func sendControl(_ broker: EmbeddedBroker, _ commands: ControlCommand...) async throws {
    let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers))
    for command in commands {
        _ = try await producer.send(topic: "streamscore.control", key: Array(command.model.utf8),
                                    value: Array(try JSONEncoder().encode(command)))
    }
    await producer.close()
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(20), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

/// Iris records `{"id": prefix-i, "features": [...]}` keyed by `key(i)`.
func irisRecords(_ count: Int, prefix: String, key: (Int) -> String = { "k-\($0)" })
    throws -> [(key: String, value: String, headers: [KafkaHeader])] {
    let fixture = try IrisFixture.load()
    return (0..<count).map { i in
        let row = fixture.rows[i % fixture.rows.count].map(jsonNumber).joined(separator: ",")
        return (key(i), "{\"id\":\"\(prefix)-\(i)\",\"features\":[\(row)]}", [])
    }
}

/// Every record on the metrics topic so far, decoded.
func metricsTopicRecords(_ broker: EmbeddedBroker) async throws -> [MetricsTopicRecord] {
    let reader = try KafkaTopicReader(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers),
                                      topic: "inference-metrics", start: .beginning)
    let (records, _) = await reader.readToEnd(timeout: .seconds(10))
    await reader.close()
    return records.compactMap { MetricsTopicRecord.decode($0.value) }
}

/// The model events on the metrics topic.
func modelEvents(_ broker: EmbeddedBroker) async throws -> [ModelEventRecord] {
    try await metricsTopicRecords(broker).compactMap {
        if case .modelEvent(let e) = $0 { return e }
        return nil
    }
}
