import Logging

/// Where a ``KafkaTopicReader`` starts in each partition.
public enum ReadStart: Sendable, Equatable, CustomStringConvertible {
    /// The oldest record the broker still holds.
    case beginning
    /// Only records produced after the reader started.
    case end
    /// At most this many records before the end of each partition.
    case lastRecords(Int)

    public var description: String {
        switch self {
        case .beginning: "the beginning"
        case .end: "the end"
        case .lastRecords(let n): "the last \(n) record(s)"
        }
    }
}

/// Reads every partition of one topic with no consumer group: for control and metrics topics,
/// which each reader wants in full rather than shared with others. Nothing is committed.
///
/// The reader waits for the topic to exist, assigns all of its partitions at `start` and remembers
/// their end offsets at that moment, so ``isCaughtUp`` tells when everything that was in the topic
/// at start has been returned. Nothing here blocks the caller: an unreachable broker only means
/// ``readToEnd(timeout:)`` returns `caughtUp: false` at its deadline.
public final class KafkaTopicReader: Sendable {
    private let core: ConsumerCore
    public let topic: String
    private let seen = Locked<[TopicPartition: Int64]>([:])

    public init(configuration: KafkaConfiguration, topic: String, start: ReadStart, options: ConsumerOptions = .init(),
                logger: Logger = Logger(label: "streamscore.kafka.reader")) throws(KafkaError) {
        self.topic = topic
        var configuration = configuration
        configuration.groupID = nil
        core = try ConsumerCore(configuration: configuration, subscription: .manual(topic: topic, start: start),
                                options: options, logger: logger, rebalanceHandler: nil)
    }

    /// The next records in arrival order, at most `maxMessages`. Returns an empty batch when
    /// `timeout` passes first, and `nil` once the reader is closed.
    public func nextBatch(maxMessages: Int = .max, timeout: Duration? = nil) async -> [KafkaMessage]? {
        let batch = await core.nextBatch(maxMessages: maxMessages, timeout: timeout)
        if let batch, !batch.isEmpty {
            seen.withLock { s in
                for m in batch { s[m.topicPartition] = max(s[m.topicPartition] ?? -1, m.offset + 1) }
            }
        }
        return batch
    }

    /// `true` once every record that was in the topic when reading started has been returned
    /// (a topic that does not exist counts as empty); `false` before the broker first answered.
    public var isCaughtUp: Bool {
        guard let start = core.startWatermarks else { return false }
        let next = seen.withLock { $0 }
        return start.allSatisfy { tp, marks in marks.high <= marks.low || (next[tp] ?? marks.low) >= marks.high }
    }

    /// The topic's current end offsets, asked of the broker now (not the ones seen at start);
    /// empty before the reader has found the topic's partitions.
    public func endOffsets(timeout: Duration = .seconds(2)) async -> [TopicPartition: Int64] {
        guard let partitions = core.startWatermarks?.keys, !partitions.isEmpty else { return [:] }
        return await core.highWatermarks(Array(partitions), timeout: timeout)
    }

    /// Reads until caught up with the records present at start, or until `timeout`.
    /// - Returns: the records read, and whether it caught up in time.
    public func readToEnd(timeout: Duration) async -> (records: [KafkaMessage], caughtUp: Bool) {
        let deadline = ContinuousClock.now + timeout
        var records: [KafkaMessage] = []
        while ContinuousClock.now < deadline {
            if isCaughtUp { return (records, true) }
            guard let batch = await nextBatch(timeout: min(.milliseconds(200), deadline - .now)) else { break }
            records += batch
        }
        return (records, isCaughtUp)
    }

    /// Stops reading and destroys the client, giving up after `deadline`.
    @discardableResult
    public func close(deadline: Duration = .seconds(5)) async -> Bool {
        await core.close(deadline: deadline)
    }
}
