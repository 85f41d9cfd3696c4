import CRdKafka
import CRdKafkaShims
import Foundation

/// A topic to create, with its partition count.
public struct TopicSpec: Sendable, Hashable {
    public var name: String
    public var partitions: Int

    public init(_ name: String, partitions: Int) {
        self.name = name
        self.partitions = partitions
    }

    /// Parses `NAME:PARTITIONS` (or `NAME`, meaning one partition).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard let name = parts.first, !name.isEmpty, parts.count <= 2 else { return nil }
        let partitions = parts.count == 2 ? Int(parts[1]) : 1
        guard let partitions, partitions > 0 else { return nil }
        self.init(String(name), partitions: partitions)
    }
}

/// Kafka protocol request types, for fault injection.
public struct KafkaAPIKey: RawRepresentable, Hashable, Sendable {
    public var rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let produce = KafkaAPIKey(rawValue: 0)
    public static let fetch = KafkaAPIKey(rawValue: 1)
    public static let listOffsets = KafkaAPIKey(rawValue: 2)
    public static let metadata = KafkaAPIKey(rawValue: 3)
    public static let offsetCommit = KafkaAPIKey(rawValue: 8)
    public static let offsetFetch = KafkaAPIKey(rawValue: 9)
    public static let findCoordinator = KafkaAPIKey(rawValue: 10)
    public static let joinGroup = KafkaAPIKey(rawValue: 11)
    public static let heartbeat = KafkaAPIKey(rawValue: 12)
    public static let syncGroup = KafkaAPIKey(rawValue: 14)
}

/// An in-process Kafka cluster: librdkafka's mock cluster, speaking the real Kafka protocol over
/// TCP on 127.0.0.1. Used by the dev stack, `streamscore broker`, and the tests.
///
/// TCP_NODELAY is set on the mock's listening sockets (accepted connections inherit it on Linux),
/// as real brokers do; without it replies stall about 40 ms at random (Nagle against delayed ACK).
public final class EmbeddedBroker: Sendable {
    private let client: RDKafkaHandle
    private let cluster: RDKafkaHandle
    private let destroyed = Locked(false)
    /// The comma-separated `host:port` list of the mock brokers.
    public let bootstrapServers: String
    /// The number of brokers in the cluster (ids 1...brokerCount).
    public let brokerCount: Int

    /// Starts a cluster with `brokers` brokers and creates `topics`.
    public init(brokers: Int = 1, topics: [TopicSpec] = [], tcpNoDelay: Bool = true) throws(KafkaError) {
        let conf = try RDKafkaConfig(properties: [("log_level", "3")])
        let rk = try conf.makeClient(type: RD_KAFKA_PRODUCER)
        guard let mc = rd_kafka_mock_cluster_new(rk, Int32(brokers)) else {
            rd_kafka_destroy(rk)
            throw .embeddedBroker("rd_kafka_mock_cluster_new failed")
        }
        client = RDKafkaHandle(pointer: rk)
        cluster = RDKafkaHandle(pointer: mc)
        brokerCount = brokers
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(mc))
        if tcpNoDelay {
            for port in ports {
                _ = streamscore_rdk_set_tcp_nodelay_on_listeners(Int32(port))
            }
        }
        for topic in topics {
            try createTopic(topic.name, partitions: topic.partitions)
        }
    }

    /// The listening ports, one per broker.
    public var ports: [Int] {
        bootstrapServers.split(separator: ",").compactMap { entry in
            entry.split(separator: ":").last.flatMap { Int($0) }
        }
    }

    /// Creates a topic (the mock does not support the CreateTopics admin request).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let err = rd_kafka_mock_topic_create(cluster.pointer, name, Int32(partitions), Int32(replicationFactor))
        if err.rawValue != 0 { throw KafkaError.from(err) }
    }

    /// Takes a broker down: its connections are closed and it refuses requests.
    public func setBrokerDown(_ brokerID: Int32) {
        _ = rd_kafka_mock_broker_set_down(cluster.pointer, brokerID)
    }

    /// Brings a broker back up.
    public func setBrokerUp(_ brokerID: Int32) {
        _ = rd_kafka_mock_broker_set_up(cluster.pointer, brokerID)
    }

    /// Makes the next `errors.count` requests of type `apiKey` fail with these errors, in order.
    public func pushRequestErrors(_ apiKey: KafkaAPIKey, _ errors: [KafkaErrorCode]) {
        let raw = errors.map { rd_kafka_resp_err_t($0.rawValue) }
        raw.withUnsafeBufferPointer {
            rd_kafka_mock_push_request_errors_array(cluster.pointer, apiKey.rawValue, $0.count, $0.baseAddress)
        }
    }

    /// Adds round-trip latency to a broker's responses.
    public func setBrokerRTT(_ brokerID: Int32, milliseconds: Int) {
        _ = rd_kafka_mock_broker_set_rtt(cluster.pointer, brokerID, Int32(milliseconds))
    }

    /// Stops the cluster. Safe to call more than once.
    public func shutdown() {
        let first = destroyed.withLock { d -> Bool in
            defer { d = true }
            return !d
        }
        guard first else { return }
        rd_kafka_mock_cluster_destroy(cluster.pointer)
        rd_kafka_destroy(client.pointer)
    }

    deinit { shutdown() }
}
