/// Typed settings for StreamScore's Kafka clients, plus pass-through of any librdkafka property.
///
/// Typed fields are applied first and `properties` last, so a pass-through property wins.
/// Invalid values fail fast with librdkafka's own error text (see ``validate()``).
public struct KafkaConfiguration: Sendable {
    public enum Acks: String, Sendable { case none = "0", leader = "1", all = "all" }
    public enum Compression: String, Sendable { case none, gzip, snappy, lz4, zstd }
    public enum SecurityProtocol: String, Sendable {
        case plaintext, ssl
        case saslPlaintext = "sasl_plaintext"
        case saslSSL = "sasl_ssl"
    }
    public enum OffsetReset: String, Sendable { case earliest, latest, error }

    /// SASL credentials (`sasl.mechanisms`, `sasl.username`, `sasl.password`).
    public struct SASL: Sendable {
        public var mechanism: String
        public var username: String
        public var password: String
        public init(mechanism: String = "PLAIN", username: String, password: String) {
            self.mechanism = mechanism
            self.username = username
            self.password = password
        }
    }

    /// TLS files (`ssl.ca.location`, `ssl.certificate.location`, `ssl.key.location`, `ssl.key.password`).
    public struct TLS: Sendable {
        public var caLocation: String?
        public var certificateLocation: String?
        public var keyLocation: String?
        public var keyPassword: String?
        public init(caLocation: String? = nil, certificateLocation: String? = nil, keyLocation: String? = nil,
                    keyPassword: String? = nil) {
            self.caLocation = caLocation
            self.certificateLocation = certificateLocation
            self.keyLocation = keyLocation
            self.keyPassword = keyPassword
        }
    }

    /// `bootstrap.servers`, e.g. `["127.0.0.1:9092"]`.
    public var bootstrapServers: [String]
    /// `client.id`.
    public var clientID: String = "streamscore"
    /// `group.id`, required for consumers.
    public var groupID: String?
    /// `linger.ms`: how long the producer waits to fill a batch.
    public var lingerMs: Double?
    /// `batch.num.messages`.
    public var batchMessages: Int?
    /// `batch.size` in bytes.
    public var batchBytes: Int?
    /// `queue.buffering.max.messages`: the local produce queue bound.
    public var maxQueuedMessages: Int?
    /// `acks`.
    public var acks: Acks?
    /// `compression.codec`.
    public var compression: Compression?
    /// `message.timeout.ms`: how long a produced record may wait for acknowledgement.
    public var messageTimeoutMs: Int?
    /// `socket.timeout.ms`.
    public var socketTimeoutMs: Int?
    /// `session.timeout.ms` for group members.
    public var sessionTimeoutMs: Int?
    /// `max.poll.interval.ms` for group members.
    public var maxPollIntervalMs: Int?
    /// `auto.offset.reset` for consumers; StreamScore defaults to earliest.
    public var autoOffsetReset: OffsetReset = .earliest
    /// `auto.commit.interval.ms`.
    public var autoCommitIntervalMs: Int?
    /// `security.protocol`.
    public var securityProtocol: SecurityProtocol?
    public var sasl: SASL?
    public var tls: TLS?
    /// Any librdkafka property by name, applied last.
    public var properties: [String: String] = [:]

    public init(bootstrapServers: [String], groupID: String? = nil) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    /// Convenience: a comma-separated bootstrap list.
    public init(bootstrapServers: String, groupID: String? = nil) {
        self.init(bootstrapServers: bootstrapServers.split(separator: ",").map {
            String($0).trimmingWhitespace()
        }, groupID: groupID)
    }

    /// The librdkafka properties this configuration sets, in application order.
    public func librdkafkaProperties() -> [(String, String)] {
        var out: [(String, String)] = [
            ("bootstrap.servers", bootstrapServers.joined(separator: ",")),
            ("client.id", clientID),
        ]
        func add(_ key: String, _ value: (some CustomStringConvertible)?) {
            if let value { out.append((key, value.description)) }
        }
        add("group.id", groupID)
        add("linger.ms", lingerMs)
        add("batch.num.messages", batchMessages)
        add("batch.size", batchBytes)
        add("queue.buffering.max.messages", maxQueuedMessages)
        add("acks", acks?.rawValue)
        add("compression.codec", compression?.rawValue)
        add("message.timeout.ms", messageTimeoutMs)
        add("socket.timeout.ms", socketTimeoutMs)
        add("session.timeout.ms", sessionTimeoutMs)
        add("max.poll.interval.ms", maxPollIntervalMs)
        add("auto.commit.interval.ms", autoCommitIntervalMs)
        add("security.protocol", securityProtocol?.rawValue)
        if let sasl {
            out += [("sasl.mechanisms", sasl.mechanism), ("sasl.username", sasl.username),
                    ("sasl.password", sasl.password)]
        }
        if let tls {
            add("ssl.ca.location", tls.caLocation)
            add("ssl.certificate.location", tls.certificateLocation)
            add("ssl.key.location", tls.keyLocation)
            add("ssl.key.password", tls.keyPassword)
        }
        out += properties.sorted { $0.key < $1.key }
        return out
    }

    /// Checks every property with librdkafka, throwing its error text for the first bad one.
    public func validate() throws(KafkaError) {
        _ = try RDKafkaConfig(properties: librdkafkaProperties())
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}
