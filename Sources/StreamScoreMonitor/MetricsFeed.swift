import Foundation
import Logging
import ServiceLifecycle
import StreamScoreContract
import StreamScoreKafka
import Synchronization

/// Follows the metrics topic and keeps its recent history for the live views (`streamscore
/// monitor` and the gateway's dashboard).
///
/// It reads every partition with no consumer group, starting ``MetricsFeedConfiguration/historyRecords``
/// before the end so the views open with the last minutes already drawn, decodes each record by
/// its `"kind"` (metrics, drift, model-event) and folds it into a bounded ``MetricsHistory``.
///
/// ```swift
/// let feed = MetricsFeed(configuration: .init(brokers: "127.0.0.1:9092"))
/// // run it in a ServiceGroup (or call run() in a task), then:
/// let snapshot = feed.snapshot()
/// ```
public final class MetricsFeed: Service, Sendable {
    public let configuration: MetricsFeedConfiguration
    private let logger: Logger
    private let state: Mutex<State>

    private struct State: Sendable {
        var history: MetricsHistory
        var status = FeedStatus(state: .connecting)
        /// The reader has returned everything that was in the topic at start.
        var readerCaughtUp = false
    }

    public init(configuration: MetricsFeedConfiguration, logger: Logger = Logger(label: "streamscore.monitor")) {
        self.configuration = configuration
        self.logger = logger
        state = Mutex(State(history: MetricsHistory(limits: .init(configuration))))
    }

    /// The current status of reading the topic.
    public var status: FeedStatus { state.withLock { $0.status } }

    /// What the history holds right now (for checking that memory stays bounded).
    public var storedCounts: (workers: Int, samples: Int, driftSeries: Int, driftPoints: Int, events: Int) {
        state.withLock { $0.history.storedCounts }
    }

    /// The views' picture at `nowMs` (epoch milliseconds; by default this machine's clock).
    public func snapshot(nowMs: Int64 = MetricsFeed.epochMilliseconds()) -> MonitorSnapshot {
        state.withLock { s in
            s.history.prune(nowMs: nowMs)
            return s.history.snapshot(nowMs: nowMs, topic: configuration.topic, feed: s.status)
        }
    }

    /// Waits until the history that was in the topic at start has been read (`true`), or until
    /// `timeout` passes or the feed stops (`false`).
    public func waitUntilCaughtUp(timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            switch status.state {
            case .live: return true
            case .failed, .stopped: return false
            case .connecting, .catchingUp: break
            }
            if ContinuousClock.now >= deadline || Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Reads the topic until graceful shutdown or cancellation. A reader that cannot be created
    /// (a bad Kafka property) leaves the feed `failed` and waits for shutdown, so a gateway keeps
    /// serving everything else.
    public func run() async throws {
        var kafka = KafkaConfiguration(bootstrapServers: configuration.brokers)
        kafka.clientID = "streamscore-monitor"
        kafka.properties = configuration.kafkaProperties
        let reader: KafkaTopicReader
        do {
            reader = try KafkaTopicReader(configuration: kafka, topic: configuration.topic,
                                          start: .lastRecords(max(0, configuration.historyRecords)), logger: logger)
        } catch {
            logger.error("cannot read \(configuration.topic): \(error)")
            state.withLock { $0.status = FeedStatus(state: .failed, error: "\(error)") }
            try? await gracefulShutdown()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchCatchUp(reader) }
            await cancelWhenGracefulShutdown { await self.readLoop(reader) }
            await reader.close()
        }
        state.withLock { $0.status.state = .stopped }
    }

    private func readLoop(_ reader: KafkaTopicReader) async {
        while !Task.isCancelled {
            guard let batch = await reader.nextBatch(maxMessages: 1000, timeout: .milliseconds(200)) else { break }
            let decoded = batch.map { MetricsTopicRecord.decode($0.value) }
            let now = Self.epochMilliseconds()
            state.withLock { s in
                for record in decoded {
                    if let record { s.history.ingest(record) }
                }
                s.status.recordsRead += batch.count
                s.status.recordsSkipped += decoded.count { $0 == nil }
                if !batch.isEmpty { s.history.prune(nowMs: now) }
                // Promoted only here, after a whole batch is in the history, so a caller that
                // waited for `live` sees every record that was in the topic at start.
                if s.readerCaughtUp && s.status.state == .catchingUp {
                    s.status.state = .live
                    logger.debug("metrics feed caught up: \(s.status.recordsRead) record(s) read")
                }
            }
        }
    }

    /// Marks when the brokers first answer and when the reader has caught up.
    private func watchCatchUp(_ reader: KafkaTopicReader) async {
        while state.withLock({ $0.status.state == .connecting || $0.status.state == .catchingUp }) {
            let caughtUp = await reader.isCaughtUp()  // waits for the first metadata answer
            let stopping = state.withLock { s -> Bool in
                guard s.status.state == .connecting || s.status.state == .catchingUp else { return true }
                s.status.state = .catchingUp
                if caughtUp { s.readerCaughtUp = true }
                return caughtUp
            }
            if stopping { return }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    /// This machine's clock in epoch milliseconds.
    public static func epochMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
