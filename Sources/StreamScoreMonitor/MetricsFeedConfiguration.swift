/// What a ``MetricsFeed`` reads and how much history it keeps.
public struct MetricsFeedConfiguration: Sendable {
    /// Bootstrap servers, comma-separated.
    public var brokers: String
    /// The metrics topic the workers produce to.
    public var topic: String
    /// Extra librdkafka properties for the reader (security settings, timeouts), applied last.
    public var kafkaProperties: [String: String] = [:]
    /// Records read back from each partition at start, so the views open with recent history.
    /// 5,000 covers 15 minutes of a few workers per partition at one record per second.
    public var historyRecords = 5000
    /// How much history the series cover.
    public var window: Duration = .seconds(15 * 60)
    /// A worker whose last record is older than this (or three of its own intervals, if longer) is stale.
    public var staleAfter: Duration = .seconds(5)
    /// A worker whose last record is older than this (or ten of its intervals) leaves the worker
    /// list; its past samples stay in the series until they leave the window.
    public var dropAfter: Duration = .seconds(120)
    /// Model events kept, newest first.
    public var maxEvents = 50
    /// Workers with history kept at once; past it the longest silent one is forgotten.
    public var maxWorkers = 256
    /// Model versions with drift history kept at once; past it the longest silent one is forgotten.
    public var maxModels = 64
    /// Features kept per drift point (the worst ones); the latest drift record is kept whole.
    public var maxFeatures = 64

    public init(brokers: String, topic: String = "inference-metrics") {
        self.brokers = brokers
        self.topic = topic
    }
}

extension Duration {
    /// Whole milliseconds.
    var milliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
