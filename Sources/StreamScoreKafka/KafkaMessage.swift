/// A topic and partition.
public struct TopicPartition: Sendable, Hashable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A record read by a consumer.
///
/// The key and value are slices: the records of one poll share a single buffer, which costs one
/// allocation per poll instead of two per record.
public struct KafkaMessage: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Record timestamp in milliseconds since the epoch, when the broker or producer set one.
    public var timestamp: Int64?
    public var key: ArraySlice<UInt8>?
    public var value: ArraySlice<UInt8>
    public var headers: [KafkaHeader]

    public init(topic: String, partition: Int32, offset: Int64, timestamp: Int64?, key: ArraySlice<UInt8>?,
                value: ArraySlice<UInt8>, headers: [KafkaHeader]) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
        self.headers = headers
    }

    public var topicPartition: TopicPartition { TopicPartition(topic: topic, partition: partition) }
}

/// The outcome of one produced record, reported by the broker.
public struct DeliveryReport: Sendable {
    /// The caller's token for fire-and-track sends.
    public var token: UInt64
    public var partition: Int32
    /// The offset the broker assigned, or -1 when unknown or failed.
    public var offset: Int64
    /// `nil` when the broker acknowledged the record.
    public var error: KafkaError?

    public var succeeded: Bool { error == nil }
}
