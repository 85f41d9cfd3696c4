/// Everything a gateway needs to run. Defaults match `streamscore gateway`'s flags.
public struct GatewayConfiguration: Sendable {
    /// Bootstrap servers, comma-separated.
    public var brokers: String
    /// Listen address.
    public var host = "127.0.0.1"
    /// Listen port; 0 picks a free one (see ``Gateway/listeningPort()``).
    public var port = 8080
    /// The topic requests are produced to.
    public var inputTopic = "features"
    /// The topic replies come back on. Its partitions are shared out among the gateways.
    public var replyTopic = "streamscore.replies"
    /// The consumer group the gateways join on the reply topic.
    public var replyGroup = "streamscore-gateways"
    /// How long a request waits for its prediction before a 504.
    public var timeout: Duration = .seconds(5)
    /// Bodies above this size get a 413.
    public var maxBodyBytes = 1 << 20
    /// Requests waiting for a prediction at once; beyond it new ones get a 503 with Retry-After.
    public var maxPending = 10_000
    /// When set, every request except the health endpoints and the dashboard page itself needs
    /// `Authorization: Bearer <token>` (the page's data, `/dashboard/data`, needs it too).
    public var authToken: String?
    /// The metrics topic the workers produce to; the dashboard (`/dashboard`) reads it.
    public var metricsTopic = "inference-metrics"
    /// The model store directory. The gateway reads model cards only.
    public var modelsDirectory = "Models"
    /// Extra librdkafka properties for both the producer and the reply consumer (applied last).
    public var kafkaProperties: [String: String] = [:]
    /// How long the producer lingers to batch requests.
    public var lingerMs: Double = 1
    /// How long the reply consumer's fetch waits at the broker when there is nothing to read.
    /// Real brokers answer as soon as a reply arrives; librdkafka's mock broker always waits the
    /// full time, so this bounds reply latency on the embedded broker.
    public var fetchWaitMaxMs = 5
    /// After a request cannot be delivered to the broker, the gateway reports not-ready and
    /// answers 503 for this long before trying again.
    public var brokerRetryAfter: Duration = .seconds(1)
    /// How long shutdown may take to flush and leave the group.
    public var shutdownTimeout: Duration = .seconds(10)

    public init(brokers: String) {
        self.brokers = brokers
    }

    /// Milliseconds of ``timeout``.
    public var timeoutMilliseconds: Int64 {
        let (seconds, attoseconds) = timeout.components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
