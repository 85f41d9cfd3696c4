/// Records to produce together with ``KafkaProducer/enqueue(_:)``. Their keys and values share one
/// byte buffer, so a batch costs a few allocations rather than one or two per record.
public struct ProduceBatch: Sendable {
    /// One record: where its key and value sit in ``bytes``, and where it goes.
    public struct Entry: Sendable {
        public var topic: String
        /// The key's bytes in ``ProduceBatch/bytes``; `nil` for no key.
        public var key: Range<Int>?
        /// The value's bytes in ``ProduceBatch/bytes``.
        public var value: Range<Int>
        public var headers: [KafkaHeader]
        /// `nil` lets the partitioner choose (by key).
        public var partition: Int32?
        /// The caller's token, below 2⁶³, carried by the delivery report.
        public var token: UInt64
    }

    /// Every record's key and value bytes.
    public private(set) var bytes: [UInt8] = []
    /// The records, in the order they are produced.
    public private(set) var entries: [Entry] = []

    /// An empty batch with room for `records` records of `bytes` bytes in all.
    public init(records: Int = 0, bytes byteCount: Int = 0) {
        entries.reserveCapacity(records)
        bytes.reserveCapacity(byteCount)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// The bytes of one record's value.
    public func value(of entry: Entry) -> ArraySlice<UInt8> { bytes[entry.value] }

    /// Appends a record whose value `writeValue` appends to the shared buffer (its bytes are the
    /// value; it must only append).
    public mutating func append(topic: String, key: ArraySlice<UInt8>?, headers: [KafkaHeader] = [],
                                partition: Int32? = nil, token: UInt64,
                                writeValue: (inout [UInt8]) throws -> Void) rethrows {
        precondition(token < 1 << 63, "tokens must be below 2^63")
        try appendRecord(topic: topic, key: key, headers: headers, partition: partition, token: token,
                         writeValue: writeValue)
    }

    /// ``append(topic:key:headers:partition:token:writeValue:)`` for any token, including the
    /// producer's own tokens for awaited sends (at and above 2⁶³).
    mutating func appendRecord(topic: String, key: ArraySlice<UInt8>?, headers: [KafkaHeader], partition: Int32?,
                               token: UInt64, writeValue: (inout [UInt8]) throws -> Void) rethrows {
        let keyRange = key.map { k -> Range<Int> in
            let start = bytes.count
            bytes.append(contentsOf: k)
            return start..<bytes.count
        }
        let start = bytes.count
        try writeValue(&bytes)
        precondition(bytes.count >= start, "writeValue must only append")
        entries.append(Entry(topic: topic, key: keyRange, value: start..<bytes.count, headers: headers,
                             partition: partition, token: token))
    }

    /// Appends a record with the given value bytes.
    public mutating func append(topic: String, key: ArraySlice<UInt8>?, value: some Collection<UInt8>,
                                headers: [KafkaHeader] = [], partition: Int32? = nil, token: UInt64) {
        append(topic: topic, key: key, headers: headers, partition: partition, token: token) {
            $0.append(contentsOf: value)
        }
    }

    /// Puts the records in a new order: `order[i]` is the index of the record to produce `i`-th.
    /// `order` must be a permutation of the record indices.
    public mutating func reorder(_ order: [Int]) {
        precondition(order.count == entries.count, "reorder needs a permutation of every record")
        entries = order.map { entries[$0] }
    }
}
