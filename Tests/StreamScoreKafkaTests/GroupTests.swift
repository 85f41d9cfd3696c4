import Foundation
import StreamScoreKafka
import Synchronization
import Testing

@Suite("Consumer groups, offsets and rebalances", .serialized)
struct GroupTests {
    @Test("Two consumers split the partitions; when one closes the other takes them all")
    func splitAndTakeOver() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("grp", partitions: 6)])
        defer { broker.shutdown() }
        let group = uniqueName("split")
        let events = Mutex<[String: [RebalanceEvent]]>([:])
        func make(_ name: String) throws -> KafkaConsumer {
            try KafkaConsumer(configuration: consumerConfig(broker, group: group), topics: ["grp"]) { event in
                events.withLock { $0[name, default: []].append(event) }
            }
        }
        let a = try make("a")
        let b = try make("b")
        // Generous: the mock's rebalance waits on heartbeats, and the whole suite shares 2 cores.
        let split = try await eventually(timeout: .seconds(60)) {
            let (x, y) = (a.assignment, b.assignment)
            return !x.isEmpty && !y.isEmpty && x.count + y.count == 6 && Set(x).isDisjoint(with: y) ? (x, y) : nil
        }
        #expect(split.0.count + split.1.count == 6)

        #expect(await b.close(deadline: .seconds(10)))
        let all = try await eventually(timeout: .seconds(60)) { a.assignment.count == 6 ? a.assignment : nil }
        #expect(Set(all.map(\.partition)) == Set(0..<6))
        // b's handler saw its revoke before leaving.
        let bEvents = events.withLock { $0["b"] ?? [] }
        #expect(bEvents.contains { if case .revoked(let tps) = $0 { return !tps.isEmpty } else { return false } })
        await a.close()
    }

    @Test("A restarted consumer resumes from stored offsets; unstored records come again")
    func storedOffsetsResume() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("off", partitions: 1)])
        defer { broker.shutdown() }
        let producer = try KafkaProducer(configuration: producerConfig(broker))
        try await produceNumbered(producer, topic: "off", count: 100)
        let group = uniqueName("resume")

        let first = try KafkaConsumer(configuration: consumerConfig(broker, group: group), topics: ["off"])
        let firstRead = try await collect(first, count: 100, storeOffsets: false)
        #expect(firstRead.count == 100)
        // Done with offsets 0...59 only.
        try first.storeOffset(topic: "off", partition: 0, nextOffset: 60)
        try await first.commit()
        let committed = try await first.committed([TopicPartition(topic: "off", partition: 0)])
        #expect(committed[TopicPartition(topic: "off", partition: 0)] == 60)
        #expect(await first.close())

        let second = try KafkaConsumer(configuration: consumerConfig(broker, group: group), topics: ["off"])
        let again = try await collect(second, count: 40)
        #expect(again.map(\.offset) == Array(60..<100))
        // Nothing more arrives: stored records are not redelivered.
        let extra = await second.nextBatch(timeout: .milliseconds(500))
        #expect(extra?.isEmpty == true)
        #expect(await second.close())
    }

    @Test("Pause stops delivery from a partition; resume restarts it")
    func pauseAndResume() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("pr", partitions: 2)])
        defer { broker.shutdown() }
        let consumer = try KafkaConsumer(configuration: consumerConfig(broker, group: uniqueName("pr")), topics: ["pr"])
        let assigned = try await eventually(timeout: .seconds(30)) { consumer.assignment.count == 2 ? consumer.assignment : nil }
        let p0 = assigned.first { $0.partition == 0 }!
        consumer.pause([p0])
        let producer = try KafkaProducer(configuration: producerConfig(broker))
        for i in 0..<20 {
            try await producer.send(topic: "pr", value: Array("m\(i)".utf8), partition: Int32(i % 2))
        }
        let during = try await collect(consumer, count: 20, timeout: .seconds(3))
        #expect(during.count == 10)
        #expect(during.allSatisfy { $0.partition == 1 })
        consumer.resume([p0])
        let after = try await collect(consumer, count: 10, timeout: .seconds(20))
        #expect(after.count == 10)
        #expect(after.allSatisfy { $0.partition == 0 })
        await producer.close()
        await consumer.close()
    }

    @Test("A slow application is held back by flow control, and nothing is lost")
    func flowControlBoundsBuffer() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("fc", partitions: 2)])
        defer { broker.shutdown() }
        let producer = try KafkaProducer(configuration: producerConfig(broker))
        try await produceNumbered(producer, topic: "fc", count: 5_000)
        await producer.close()
        var options = ConsumerOptions()
        options.maxBufferedMessages = 500
        options.maxBatchMessages = 100
        let consumer = try KafkaConsumer(configuration: consumerConfig(broker, group: uniqueName("fc")), topics: ["fc"],
                                         options: options)
        var got = 0
        var peak = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while got < 5_000, ContinuousClock.now < deadline {
            guard let batch = await consumer.nextBatch(maxMessages: 50, timeout: .seconds(5)) else { break }
            got += batch.count
            peak = max(peak, consumer.bufferedMessages)
            try await Task.sleep(for: .milliseconds(2))
        }
        #expect(got == 5_000)
        // Bounded by the limit plus what one fetch may still deliver before the pause takes hold.
        #expect(peak < 500 + 2_100)
        await consumer.close()
    }
}

/// Polls `condition` until it returns a value or the timeout passes.
func eventually<T>(timeout: Duration, _ condition: () -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = condition() { return value }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("condition not met within \(timeout)")
    throw CancellationError()
}
