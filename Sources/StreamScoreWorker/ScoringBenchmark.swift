import Foundation
import Logging
import StreamScoreKafka
import StreamScoreModel

/// Measures the worker's own work per record — decoding, scoring, drift binning and encoding the
/// outputs — on one thread with no Kafka client, over batches of consumed-looking records. It is
/// the part of `bench worker` that a pass-through doesn't do, measured without the broker's noise.
public enum ScoringBenchmark {
    public struct Result: Sendable {
        public var records: Int
        /// CPU time of the scoring thread.
        public var seconds: Double
        /// Bytes of output records (predictions) written per input record.
        public var outputBytesPerRecord: Double
        public var nanosecondsPerRecord: Double { seconds * 1e9 / Double(records) }
        public var recordsPerSecond: Double { Double(records) / seconds }
    }

    /// Scores `values` (one record value each, on partitions 0–5 in turn) in batches of
    /// `batchRows`, `rounds` times over, with the worker's processing for `configuration`.
    public static func run(configuration: WorkerConfiguration, values: [[UInt8]], batchRows: Int, rounds: Int,
                           logger: Logger) throws -> Result {
        let registry = ModelRegistry(ModelSet(defaultModel: configuration.defaultModel))
        _ = ModelWatcher(directory: configuration.modelsDirectory, registry: registry, logger: logger).scan()
        guard !registry.current.orderedVersions(of: configuration.defaultModel).isEmpty else {
            throw ModelError.store("default model '\(configuration.defaultModel)' has no valid version in \(configuration.modelsDirectory)")
        }
        let processor = BatchProcessor(configuration: configuration, registry: registry,
                                       drift: DriftMonitor(configuration: configuration))
        let batches = makeBatches(values, topic: configuration.inputTopic, batchRows: batchRows)
        var outputBytes = 0
        // Thread CPU time rather than wall time: on a shared machine it leaves out the time other
        // load takes the core away.
        let start = threadCPUSeconds()
        for _ in 0..<rounds {
            for batch in batches {
                let (outputs, _) = processor.process(batch)
                outputBytes += outputs.records.bytes.count
            }
        }
        let seconds = threadCPUSeconds() - start
        let records = values.count * rounds
        return Result(records: records, seconds: seconds, outputBytesPerRecord: Double(outputBytes) / Double(records))
    }

    /// Pending batches as the intake builds them: each batch's keys and values share one buffer,
    /// as a consumer poll's do.
    static func makeBatches(_ values: [[UInt8]], topic: String, batchRows: Int) -> [PendingBatch] {
        let arrival = ContinuousClock.now
        let timestamp = Int64(epochMilliseconds())
        var batches: [PendingBatch] = []
        var index = 0
        while index < values.count {
            let end = min(values.count, index + max(1, batchRows))
            var buffer: [UInt8] = []
            var ranges: [(key: Range<Int>, value: Range<Int>)] = []
            for i in index..<end {
                let keyStart = buffer.count
                buffer.append(contentsOf: "k\(i)".utf8)
                let valueStart = buffer.count
                buffer.append(contentsOf: values[i])
                ranges.append((keyStart..<valueStart, valueStart..<buffer.count))
            }
            let messages = ranges.enumerated().map { n, r in
                KafkaMessage(topic: topic, partition: Int32((index + n) % 6), offset: Int64(index + n), timestamp: timestamp,
                             key: buffer[r.key], value: buffer[r.value], headers: [])
            }
            var batch = PendingBatch()
            batch.append(messages, tokens: messages.map { UInt64($0.offset) }, arrival: arrival)
            batches.append(batch)
            index = end
        }
        return batches
    }
}

/// CPU time the calling thread has used, in seconds.
private func threadCPUSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
