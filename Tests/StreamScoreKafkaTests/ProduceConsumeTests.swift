import Foundation
import StreamScoreKafka
import Testing

@Suite("Producer and consumer round trips on the embedded broker", .serialized)
struct ProduceConsumeTests {
    @Test("10,000 records with keys and headers come back intact and in per-partition order")
    func roundTripTenThousand() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("rt", partitions: 4)])
        defer { broker.shutdown() }
        let producer = try KafkaProducer(configuration: producerConfig(broker))
        let count = 10_000
        let reports = try await produceNumbered(producer, topic: "rt", count: count)
        #expect(reports.count == count)
        #expect(reports.allSatisfy { $0.offset >= 0 && (0..<4).contains($0.partition) })
        await producer.close()

        let consumer = try KafkaConsumer(configuration: consumerConfig(broker, group: uniqueName("g")), topics: ["rt"])
        let messages = try await collect(consumer, count: count)
        await consumer.close()

        #expect(messages.count == count)
        var seen = Set<Int>()
        var lastOffset: [Int32: Int64] = [:]
        for m in messages {
            let seq = Int(try #require(m.headers.string(named: "seq")))!
            #expect(m.key.map(Array.init) == Array("key-\(seq)".utf8))
            #expect(Array(m.value) == Array("value-\(seq)".utf8))
            #expect(m.topic == "rt")
            #expect(m.timestamp != nil)
            if let previous = lastOffset[m.partition] { #expect(m.offset == previous + 1) }
            lastOffset[m.partition] = m.offset
            seen.insert(seq)
        }
        #expect(seen.count == count)
        // Records with the same key land in one partition; the partitioner spread them over all four.
        #expect(Set(messages.map(\.partition)).count == 4)
    }

    @Test("Fire-and-track sends report every token in batches")
    func fireAndTrack() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("ft", partitions: 2)])
        defer { broker.shutdown() }
        let tokens = Reports()
        let producer = try KafkaProducer(configuration: producerConfig(broker)) { batch in tokens.add(batch) }
        for i in 0..<5_000 {
            try await producer.enqueue(topic: "ft", value: Array("v\(i)".utf8), token: UInt64(i))
        }
        #expect(await producer.flush(timeout: .seconds(20)))
        let all = tokens.all
        #expect(all.count == 5_000)
        #expect(Set(all.map(\.token)) == Set((0..<5_000).map(UInt64.init)))
        #expect(all.allSatisfy { $0.succeeded })
        #expect(tokens.batches < 5_000, "reports should arrive in batches")
        await producer.close()
    }

    @Test("A produce batch delivers each record's key, value, headers, topic and partition, in its order")
    func produceBatch() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("pa", partitions: 3), TopicSpec("pb", partitions: 1)])
        defer { broker.shutdown() }
        let tokens = Reports()
        let producer = try KafkaProducer(configuration: producerConfig(broker)) { batch in tokens.add(batch) }
        var batch = ProduceBatch(records: 8, bytes: 64)
        batch.append(topic: "pa", key: Array("k0".utf8)[...], value: Array("zero".utf8), partition: 2, token: 0)
        batch.append(topic: "pb", key: nil, value: Array("one".utf8), headers: [KafkaHeader("h", "v")], token: 1)
        batch.append(topic: "pa", key: [], partition: 2, token: 2) { $0 += Array("two".utf8) }
        batch.append(topic: "pa", key: Array("k3".utf8)[...], value: [UInt8](), partition: 2, token: 3)
        #expect(batch.value(of: batch.entries[2]) == ArraySlice("two".utf8))
        batch.reorder([1, 0, 2, 3])
        #expect(batch.entries.map(\.token) == [1, 0, 2, 3])
        try await producer.enqueue(batch)
        #expect(await producer.flush(timeout: .seconds(20)))
        #expect(Set(tokens.all.map(\.token)) == [0, 1, 2, 3])
        #expect(tokens.all.allSatisfy { $0.succeeded })
        await producer.close()

        let a = try KafkaConsumer(configuration: consumerConfig(broker, group: uniqueName("g")), topics: ["pa"])
        let fromA = try await collect(a, count: 3)
        await a.close()
        #expect(fromA.map(\.partition) == [2, 2, 2])
        #expect(fromA.map { String(decoding: $0.value, as: UTF8.self) } == ["zero", "two", ""], "in batch order")
        #expect(fromA.map { $0.key.map(Array.init) } == [Array("k0".utf8), [], Array("k3".utf8)], "an empty key is not a missing key")
        let b = try KafkaConsumer(configuration: consumerConfig(broker, group: uniqueName("g")), topics: ["pb"])
        let fromB = try await collect(b, count: 1)
        await b.close()
        #expect(fromB.first?.key == nil)
        #expect(fromB.first.map { Array($0.value) } == Array("one".utf8))
        #expect(fromB.first?.headers == [KafkaHeader("h", "v")])
    }

    @Test("Waits instead of failing when the local queue is full")
    func backpressureWhenQueueFull() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("bp", partitions: 1)])
        defer { broker.shutdown() }
        var config = producerConfig(broker)
        config.maxQueuedMessages = 100
        let reports = Reports()
        let producer = try KafkaProducer(configuration: config) { reports.add($0) }
        var maxOutstanding = 0
        for i in 0..<3_000 {
            try await producer.enqueue(topic: "bp", value: [UInt8](repeating: UInt8(i % 256), count: 100), token: UInt64(i))
            // rd_kafka_outq_len counts the (bounded) messages plus delivery-report events not yet
            // served, so it may briefly exceed the message bound by a few events.
            #expect(producer.outstanding <= 100 + 8)
            maxOutstanding = max(maxOutstanding, producer.outstanding)
        }
        #expect(maxOutstanding >= 50, "the queue really filled up, so enqueue had to wait")
        #expect(await producer.flush(timeout: .seconds(20)))
        #expect(reports.all.count == 3_000)
        #expect(reports.all.allSatisfy { $0.succeeded })
        await producer.close()
    }

    @Test("A bad configuration property fails fast with librdkafka's text")
    func badConfiguration() throws {
        var config = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        config.properties["no.such.property"] = "1"
        let error = #expect(throws: KafkaError.self) { _ = try KafkaProducer(configuration: config) }
        #expect("\(error!)".contains("no.such.property"))
        #expect("\(error!)".contains("No such configuration property"))

        var badValue = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        badValue.properties["linger.ms"] = "not-a-number"
        let valueError = #expect(throws: KafkaError.self) { try badValue.validate() }
        #expect("\(valueError!)".contains("linger.ms"))

        let noGroup = KafkaConfiguration(bootstrapServers: "127.0.0.1:1")
        #expect(throws: KafkaError.self) { _ = try KafkaConsumer(configuration: noGroup, topics: ["x"]) }
    }

    @Test("Typed settings map to librdkafka properties, pass-through last")
    func typedSettings() throws {
        var config = KafkaConfiguration(bootstrapServers: "a:1, b:2", groupID: "g")
        config.acks = .all
        config.compression = .lz4
        config.lingerMs = 5
        config.securityProtocol = .saslSSL
        config.sasl = .init(mechanism: "SCRAM-SHA-256", username: "u", password: "p")
        config.properties["linger.ms"] = "7"
        let props = config.librdkafkaProperties()
        let dict = Dictionary(props, uniquingKeysWith: { _, last in last })
        #expect(dict["bootstrap.servers"] == "a:1,b:2")
        #expect(dict["acks"] == "all")
        #expect(dict["compression.codec"] == "lz4")
        #expect(dict["security.protocol"] == "sasl_ssl")
        #expect(dict["sasl.mechanisms"] == "SCRAM-SHA-256")
        #expect(dict["linger.ms"] == "7")
        #expect(props.last(where: { $0.0 == "linger.ms" })?.1 == "7")
    }
}

/// Thread-safe collector of delivery reports.
final class Reports: Sendable {
    private let state = Mutex<(reports: [DeliveryReport], batches: Int)>(([], 0))
    func add(_ batch: [DeliveryReport]) { state.withLock { $0.reports += batch; $0.batches += 1 } }
    var all: [DeliveryReport] { state.withLock { $0.reports } }
    var batches: Int { state.withLock { $0.batches } }
}

import Synchronization
