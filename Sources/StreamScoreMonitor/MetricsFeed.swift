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
        await cancelWhenGracefulShutdown { await self.readLoop(reader) }
        await reader.close()
        state.withLock { $0.status.state = .stopped }
    }

    /// Reads and folds batches in. The state moves from `connecting` to `catching-up` with the first
    /// records, and to `live` once the reader has returned everything that was in the topic at
    /// start (an empty or missing topic goes straight to `live`) and all of it is in the history.
    private func readLoop(_ reader: KafkaTopicReader) async {
        while !Task.isCancelled {
            guard let batch = await reader.nextBatch(maxMessages: 1000, timeout: .milliseconds(200)) else { break }
            let decoded = batch.map { MetricsTopicRecord.decode($0.value) }
            let now = Self.epochMilliseconds()
            let caughtUp = reader.isCaughtUp  // covers every batch returned so far, this one included
            state.withLock { s in
                for record in decoded {
                    if let record { s.history.ingest(record) }
                }
                s.status.recordsRead += batch.count
                s.status.recordsSkipped += decoded.count { $0 == nil }
                if !batch.isEmpty { s.history.prune(nowMs: now) }
                if s.status.state == .connecting && !batch.isEmpty { s.status.state = .catchingUp }
                if caughtUp && (s.status.state == .connecting || s.status.state == .catchingUp) {
                    s.status.state = .live
                    logger.debug("metrics feed caught up: \(s.status.recordsRead) record(s) read")
                }
            }
        }
    }

    /// This machine's clock in epoch milliseconds.
    public static func epochMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded())
    }
}
