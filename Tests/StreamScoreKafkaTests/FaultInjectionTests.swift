import Foundation
import StreamScoreKafka
import Testing

@Suite("Fault injection on the embedded broker", .serialized)
struct FaultInjectionTests {
    @Test("Broker down then up while producing: every acknowledged record is readable")
    func brokerDownThenUp() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("fi", partitions: 3)])
        defer { broker.shutdown() }
        var config = producerConfig(broker)
        config.messageTimeoutMs = 30_000
        let reports = Reports()
        let producer = try KafkaProducer(configuration: config) { reports.add($0) }
        for i in 0..<2_000 {
            if i == 500 { broker.setBrokerDown(1) }
            if i == 1_500 { broker.setBrokerUp(1) }
            try await producer.enqueue(topic: "fi", key: Array("k\(i)".utf8), value: Array("v\(i)".utf8), token: UInt64(i))
        }
        #expect(await producer.flush(timeout: .seconds(40)))
        let acked = Set(reports.all.filter(\.succeeded).map(\.token))
        #expect(reports.all.count == 2_000)
        #expect(acked.count == 2_000, "the outage was shorter than message.timeout.ms, so all should be retried")
        await producer.close()

        let consumer = try KafkaConsumer(configuration: consumerConfig(broker, group: uniqueName("fi")), topics: ["fi"])
        let messages = try await collect(consumer, count: acked.count)
        let read = Set(messages.map { UInt64(String(decoding: $0.value.dropFirst(), as: UTF8.self))! })
        #expect(acked.isSubset(of: read))
        await consumer.close()
    }

    @Test("With the broker gone past message.timeout.ms the producer reports failures instead of hanging")
    func failuresAreReported() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("gone", partitions: 1)])
        defer { broker.shutdown() }
        var config = producerConfig(broker)
        config.messageTimeoutMs = 1_500
        let producer = try KafkaProducer(configuration: config)
        try await producer.send(topic: "gone", value: Array("warm".utf8))
        broker.setBrokerDown(1)
        let start = ContinuousClock.now
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(topic: "gone", value: Array("lost".utf8))
        }
        #expect(error?.code == .messageTimedOut)
        #expect(ContinuousClock.now - start < .seconds(10))
        broker.setBrokerUp(1)
        await producer.close(deadline: .seconds(5))
    }

    @Test("Injected produce errors are retried and records still arrive")
    func injectedRequestErrors() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("inj", partitions: 1)])
        defer { broker.shutdown() }
        let producer = try KafkaProducer(configuration: producerConfig(broker))
        try await producer.send(topic: "inj", value: Array("first".utf8))
        broker.pushRequestErrors(.produce, [.notEnoughReplicas, .notEnoughReplicas, .requestTimedOut])
        let report = try await producer.send(topic: "inj", value: Array("second".utf8))
        #expect(report.offset == 1)
        await producer.close()
    }
}
