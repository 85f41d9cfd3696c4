import CRdKafka

/// Owns an `rd_kafka_topic_partition_list_t`.
final class PartitionList {
    let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    init(_ partitions: [TopicPartition], offsets: [Int64]? = nil) {
        pointer = rd_kafka_topic_partition_list_new(Int32(max(1, partitions.count)))
        for (i, tp) in partitions.enumerated() {
            let element = rd_kafka_topic_partition_list_add(pointer, tp.topic, tp.partition)!
            if let offsets { element.pointee.offset = offsets[i] }
        }
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    /// Offsets by partition as currently held in the list.
    func offsets() -> [TopicPartition: Int64] {
        var out: [TopicPartition: Int64] = [:]
        let list = pointer.pointee
        for i in 0..<Int(list.cnt) {
            let e = list.elems[i]
            out[TopicPartition(topic: String(cString: e.topic), partition: e.partition)] = e.offset
        }
        return out
    }

    /// The partitions in a list librdkafka owns.
    static func topicPartitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        let l = list.pointee
        return (0..<Int(l.cnt)).map { i in
            TopicPartition(topic: String(cString: l.elems[i].topic), partition: l.elems[i].partition)
        }
    }
}
