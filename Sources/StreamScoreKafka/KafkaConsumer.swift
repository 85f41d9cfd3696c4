import CRdKafka
import Foundation
import Logging

/// A partition assignment change in the consumer group.
public enum RebalanceEvent: Sendable, Equatable {
    /// These partitions now belong to this member.
    case assigned([TopicPartition])
    /// These partitions are being taken away. The handler runs before the revoke completes:
    /// finish or abandon in-flight work and store offsets; the consumer commits right after.
    case revoked([TopicPartition])
}

/// Tuning for a ``KafkaConsumer``.
public struct ConsumerOptions: Sendable {
    /// The most messages the polling thread accumulates before publishing them.
    public var maxBatchMessages: Int = 2048
    /// The most messages buffered ahead of the application. Past this the polling thread stops
    /// taking messages (librdkafka's own bounded prefetch queue then stops fetching, and is woken
    /// again once drained: see `FetchStallDetector`) until the
    /// application has drained half; if that takes longer than `stallPauseAfter`, it pauses the
    /// partitions so that it can keep serving group events.
    public var maxBufferedMessages: Int = 20_000
    /// How long a full buffer may stall polling before the partitions are paused.
    public var stallPauseAfter: Duration = .seconds(1)
    /// How long the polling thread blocks in `rd_kafka_consumer_poll` when idle.
    public var pollTimeout: Duration = .milliseconds(100)
    /// How long a revoke waits for the rebalance handler before completing anyway.
    public var rebalanceTimeout: Duration = .seconds(30)

    public init() {}
}

/// A consumer group member.
///
/// Messages are pulled by a dedicated thread that accumulates `rd_kafka_consumer_poll` results and
/// hands them over through ``nextBatch(maxMessages:)``. Offsets are stored explicitly by the
/// application (`enable.auto.offset.store=false`) and committed automatically in the background
/// (`enable.auto.commit=true`) or on demand with ``commit()``.
public final class KafkaConsumer: Sendable {
    private let core: ConsumerCore

    /// Joins `configuration.groupID` and subscribes to `topics`.
    /// - Parameter rebalanceHandler: called for every assignment change; revokes wait for it.
    public init(configuration: KafkaConfiguration, topics: [String], options: ConsumerOptions = .init(),
                logger: Logger = Logger(label: "streamscore.kafka.consumer"),
                rebalanceHandler: (@Sendable (RebalanceEvent) async -> Void)? = nil) throws(KafkaError) {
        core = try ConsumerCore(configuration: configuration, subscription: .group(topics), options: options, logger: logger,
                                rebalanceHandler: rebalanceHandler)
    }

    /// The next messages in arrival order, at most `maxMessages`; waits while none are buffered.
    /// Returns an empty batch when `timeout` passes first, and `nil` once the consumer is closed.
    public func nextBatch(maxMessages: Int = .max, timeout: Duration? = nil) async -> [KafkaMessage]? {
        await core.nextBatch(maxMessages: maxMessages, timeout: timeout)
    }

    /// How often the consumer had to wake librdkafka's fetchers: after its prefetch queue filled
    /// up, and after a resume (librdkafka 2.0.2 would otherwise idle up to a second each time).
    public var fetchWakeups: Int { core.fetchWakeups }

    /// Messages librdkafka delivered a second time (after a pause and resume) that the consumer
    /// dropped, so the application sees each offset once per assignment.
    public var repeatedMessagesDropped: Int { core.repeatedMessagesDropped }

    /// Stores `nextOffset` (the offset of the last processed record + 1) for commit.
    public func storeOffset(topic: String, partition: Int32, nextOffset: Int64) throws(KafkaError) {
        try core.storeOffsets([(TopicPartition(topic: topic, partition: partition), nextOffset)])
    }

    /// Stores several next offsets at once. Offsets of partitions no longer assigned are ignored.
    public func storeOffsets(_ offsets: [(TopicPartition, Int64)]) throws(KafkaError) {
        try core.storeOffsets(offsets)
    }

    /// Commits the stored offsets now and waits for the broker (on a dedicated thread).
    public func commit() async throws(KafkaError) {
        try await core.commit()
    }

    /// Stops fetching from these partitions until ``resume(_:)``.
    public func pause(_ partitions: [TopicPartition]) {
        core.setPaused(partitions, paused: true)
    }

    /// Resumes fetching from these partitions.
    public func resume(_ partitions: [TopicPartition]) {
        core.setPaused(partitions, paused: false)
    }

    /// The partitions currently assigned to this member.
    public var assignment: [TopicPartition] { core.currentAssignment }

    /// Messages buffered ahead of the application.
    public var bufferedMessages: Int { core.bufferedCount }

    /// Consumer lag per assigned partition: the high watermark minus the committed-or-consumed
    /// position, from librdkafka's cached values (no broker round trip).
    public func lag() -> [TopicPartition: Int64] { core.lag() }

    /// The committed offsets of the given partitions, asked from the group coordinator.
    public func committed(_ partitions: [TopicPartition], timeout: Duration = .seconds(5)) async throws(KafkaError)
        -> [TopicPartition: Int64] {
        try await core.committed(partitions, timeout: timeout)
    }

    /// Leaves the group: revokes (running the handler), commits stored offsets, closes and destroys
    /// the client. Both close and destroy can hang in librdkafka 2.0.2, so they run on a dedicated
    /// thread and are abandoned after `deadline`.
    /// - Returns: `true` when the consumer closed cleanly in time.
    @discardableResult
    public func close(deadline: Duration = .seconds(10)) async -> Bool {
        await core.close(deadline: deadline)
    }
}
