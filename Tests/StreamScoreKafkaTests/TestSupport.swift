import Foundation
import StreamScoreKafka

/// A unique name so tests sharing nothing never collide.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UUID().uuidString.prefix(8))"
}

/// Settings for a test consumer in `group` on `broker`.
func consumerConfig(_ broker: EmbeddedBroker, group: String) -> KafkaConfiguration {
    var config = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, groupID: group)
    config.sessionTimeoutMs = 6000
    config.properties["heartbeat.interval.ms"] = "500"
    config.autoCommitIntervalMs = 200
    return config
}

/// Settings for a test producer on `broker`.
func producerConfig(_ broker: EmbeddedBroker) -> KafkaConfiguration {
    var config = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
    config.lingerMs = 2
    return config
}

/// Reads from `consumer` until `count` messages arrived or `timeout` passed.
func collect(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(30),
             storeOffsets: Bool = true) async throws -> [KafkaMessage] {
    var messages: [KafkaMessage] = []
    let deadline = ContinuousClock.now + timeout
    while messages.count < count, ContinuousClock.now < deadline {
        guard let batch = await consumer.nextBatch(timeout: max(.milliseconds(1), deadline - ContinuousClock.now))
        else { break }
        messages += batch
        if storeOffsets {
            try consumer.storeOffsets(batch.map { ($0.topicPartition, $0.offset + 1) })
        }
    }
    return messages
}

/// Produces `count` records `key-i` → `value-i` with a header `seq: i`, waiting for all reports.
@discardableResult
func produceNumbered(_ producer: KafkaProducer, topic: String, count: Int) async throws -> [DeliveryReport] {
    try await withThrowingTaskGroup(of: DeliveryReport.self) { group in
        for i in 0..<count {
            group.addTask {
                try await producer.send(topic: topic, key: Array("key-\(i)".utf8), value: Array("value-\(i)".utf8),
                                        headers: [KafkaHeader("seq", "\(i)")])
            }
        }
        var reports: [DeliveryReport] = []
        for try await r in group { reports.append(r) }
        return reports
    }
}
