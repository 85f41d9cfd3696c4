import Foundation
import StreamScoreKafka
import Synchronization

/// Throughput measurements of the Kafka layer, shared by `bench kafka` and `bench worker`.
enum KafkaBenchmarks {
    struct Result {
        var records: Int
        var seconds: Double
        var recordsPerSecond: Double { Double(records) / seconds }
    }

    /// Produces `count` records with fire-and-track sends and times until the last acknowledgement.
    static func produce(bootstrap: String, topic: String, count: Int,
                        value: (Int) -> [UInt8]) async throws -> Result {
        let done = Completion(target: count)
        var config = KafkaConfiguration(bootstrapServers: bootstrap)
        config.lingerMs = 5
        config.maxQueuedMessages = 1_000_000
        let producer = try KafkaProducer(configuration: config) { reports in done.add(reports.count) }
        let start = ContinuousClock.now
        for i in 0..<count {
            try await producer.enqueue(topic: topic, key: Array("k\(i)".utf8), value: value(i), token: UInt64(i))
        }
        await done.wait()
        let elapsed = ContinuousClock.now - start
        await producer.close()
        return Result(records: count, seconds: elapsed.seconds)
    }

    /// Consumes `count` records from `input` in a fresh group and re-produces each unchanged to the same
    /// partition of `output`, storing each input offset after its copy is acknowledged. Times from the
    /// first consumed record to the last delivery report.
    static func passThrough(bootstrap: String, input: String, output: String, count: Int) async throws -> Result {
        var consumerConfig = KafkaConfiguration(bootstrapServers: bootstrap, groupID: "bench-pass-\(UUID().uuidString.prefix(6))")
        consumerConfig.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: consumerConfig, topics: [input])
        let done = Completion(target: count)
        var producerConfig = KafkaConfiguration(bootstrapServers: bootstrap)
        producerConfig.lingerMs = 5
        producerConfig.maxQueuedMessages = 1_000_000
        let producer = try KafkaProducer(configuration: producerConfig) { reports in
            // Token = partition << 40 | offset. Reports of one partition arrive in produce order.
            var highest: [Int32: Int64] = [:]
            for r in reports where r.succeeded {
                let partition = Int32(r.token >> 40)
                highest[partition] = Int64(r.token & 0xFF_FFFF_FFFF)
            }
            try? consumer.storeOffsets(highest.map { (TopicPartition(topic: input, partition: $0.key), $0.value + 1) })
            done.add(reports.count)
        }
        var start: ContinuousClock.Instant?
        var consumed = 0
        while consumed < count, let batch = await consumer.nextBatch(maxMessages: 8192, timeout: .seconds(60)) {
            if batch.isEmpty { break }
            if start == nil { start = ContinuousClock.now }
            // The same hand-off the worker uses: one produce batch per consumed batch.
            var copies = ProduceBatch(records: batch.count, bytes: batch.count * 128)
            for m in batch {
                copies.append(topic: output, key: m.key, value: m.value, headers: m.headers, partition: m.partition,
                              token: UInt64(m.partition) << 40 | UInt64(m.offset))
            }
            try await producer.enqueue(copies)
            consumed += batch.count
        }
        await done.wait()
        let elapsed = ContinuousClock.now - (start ?? ContinuousClock.now)
        await producer.close()
        await consumer.close()
        return Result(records: consumed, seconds: elapsed.seconds)
    }
}

/// Counts events up to a target and lets one task wait for it.
final class Completion: Sendable {
    private let state: Mutex<(count: Int, waiter: CheckedContinuation<Void, Never>?)> = Mutex((0, nil))
    let target: Int

    init(target: Int) { self.target = target }

    func add(_ n: Int) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.count += n
            guard s.count >= target else { return nil }
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.count >= target { return true }
                s.waiter = c
                return false
            }
            if ready { c.resume() }
        }
    }
}

extension Duration {
    /// Seconds as a `Double`.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
