import Foundation
import StreamScoreKafka
import Testing

@Suite("Group-less topic readers on the embedded broker", .serialized)
struct TopicReaderTests {
    @Test("Two readers each get every record from the beginning and know when they caught up")
    func readsEverythingFromBeginning() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("ctl", partitions: 3)])
        defer { broker.shutdown() }
        let producer = try KafkaProducer(configuration: producerConfig(broker))
        try await produceNumbered(producer, topic: "ctl", count: 300)

        let config = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
        let first = try KafkaTopicReader(configuration: config, topic: "ctl", start: .beginning)
        let second = try KafkaTopicReader(configuration: config, topic: "ctl", start: .beginning)
        let (a, caughtUpA) = await first.readToEnd(timeout: .seconds(20))
        let (b, caughtUpB) = await second.readToEnd(timeout: .seconds(20))
        #expect(caughtUpA && caughtUpB)
        #expect(Set(a.map { $0.headers.string(named: "seq")! }).count == 300)
        #expect(Set(b.map { $0.headers.string(named: "seq")! }).count == 300)

        // Records produced later keep arriving.
        try await producer.send(topic: "ctl", key: nil, value: Array("later".utf8))
        var later: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(10)
        while later.isEmpty, ContinuousClock.now < deadline {
            later += await first.nextBatch(timeout: .milliseconds(200)) ?? []
        }
        #expect(later.map { String(decoding: $0.value, as: UTF8.self) } == ["later"])
        await producer.close()
        #expect(await first.close())
        #expect(await second.close())
    }

    @Test("lastRecords(n) starts n records before the end of each partition")
    func lastRecords() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("m", partitions: 1)])
        defer { broker.shutdown() }
        let producer = try KafkaProducer(configuration: producerConfig(broker))
        for i in 0..<50 {
            try await producer.send(topic: "m", key: nil, value: Array("\(i)".utf8))
        }
        await producer.close()
        let reader = try KafkaTopicReader(configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers),
                                          topic: "m", start: .lastRecords(5))
        let (records, caughtUp) = await reader.readToEnd(timeout: .seconds(20))
        #expect(caughtUp)
        #expect(records.map { String(decoding: $0.value, as: UTF8.self) } == ["45", "46", "47", "48", "49"])
        await reader.close()
    }

    @Test("A topic that does not exist counts as empty, and its records are read once it appears")
    func missingTopic() async throws {
        let broker = try EmbeddedBroker(topics: [])
        defer { broker.shutdown() }
        var config = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
        config.properties["topic.metadata.refresh.interval.ms"] = "500"
        let reader = try KafkaTopicReader(configuration: config, topic: "absent", start: .beginning)
        let (none, caughtUp) = await reader.readToEnd(timeout: .seconds(10))
        #expect(caughtUp)
        #expect(none.isEmpty)
        try? broker.createTopic("absent", partitions: 1)  // the mock may have auto-created it already
        let producer = try KafkaProducer(configuration: producerConfig(broker))
        try await producer.send(topic: "absent", key: nil, value: Array("hello".utf8))
        await producer.close()
        var got: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while got.isEmpty, ContinuousClock.now < deadline {
            got += await reader.nextBatch(timeout: .milliseconds(200)) ?? []
        }
        #expect(got.map { String(decoding: $0.value, as: UTF8.self) } == ["hello"])
        await reader.close()
    }

    @Test("An unreachable broker makes readToEnd give up at its deadline instead of blocking")
    func unreachableBroker() async throws {
        var config = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        config.properties["reconnect.backoff.max.ms"] = "200"
        let reader = try KafkaTopicReader(configuration: config, topic: "anything", start: .beginning)
        let started = ContinuousClock.now
        let (records, caughtUp) = await reader.readToEnd(timeout: .seconds(2))
        let waited = ContinuousClock.now - started
        #expect(!caughtUp && records.isEmpty)
        #expect(waited >= .seconds(2) && waited < .seconds(15), "waited \(waited)")  // a sanity bound only
        #expect(await reader.close(deadline: .seconds(10)))
    }

    @Test("A reader whose position was deleted by retention continues from the log start")
    func resumesAfterRetention() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("ret", partitions: 1)])
        defer { broker.shutdown() }
        let producer = try KafkaProducer(configuration: producerConfig(broker))
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: 300)
        for i in 0..<200 { try await producer.enqueue(topic: "ret", value: value, token: UInt64(i)) }
        _ = await producer.flush(timeout: .seconds(10))
        var config = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
        config.properties["queued.min.messages"] = "10"
        config.properties["queued.max.messages.kbytes"] = "64"
        var options = ConsumerOptions()
        options.maxBufferedMessages = 50
        options.maxBatchMessages = 10
        options.stallPauseAfter = .milliseconds(200)
        let reader = try KafkaTopicReader(configuration: config, topic: "ret", start: .beginning, options: options)
        let first = await reader.nextBatch(maxMessages: 10, timeout: .seconds(10)) ?? []
        #expect(first.first?.offset == 0)
        for i in 0..<40_000 { try await producer.enqueue(topic: "ret", value: value, token: UInt64(i)) }
        _ = await producer.flush(timeout: .seconds(30))
        var got: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let b = await reader.nextBatch(timeout: .milliseconds(500)) ?? []
            got += b
            if let last = got.last, last.offset >= 40_199 { break }
        }
        // The mock keeps about 5 MiB per partition: ~40,000 × 300 bytes push the log start past the
        // reader's position, and it continues from the new log start (auto.offset.reset=earliest).
        #expect(got.last?.offset == 40_199)
        #expect(got.count < 40_000, "deleted records were skipped, not waited for")
        #expect(zip(got, got.dropFirst()).allSatisfy { $1.offset > $0.offset })
        await producer.close()
        await reader.close()
    }
}
