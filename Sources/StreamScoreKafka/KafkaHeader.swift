/// One Kafka record header. Values may be null in Kafka.
public struct KafkaHeader: Sendable, Hashable {
    public var name: String
    public var value: [UInt8]?

    public init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }

    /// A header with a UTF-8 string value.
    public init(_ name: String, _ value: String) {
        self.init(name: name, value: Array(value.utf8))
    }

    /// The value decoded as UTF-8, if present.
    public var stringValue: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

extension Array where Element == KafkaHeader {
    /// The value of the last header called `name` (Kafka allows repeats; the last one wins).
    public func value(named name: String) -> [UInt8]? {
        last(where: { $0.name == name })?.value
    }

    /// The UTF-8 value of the last header called `name`.
    public func string(named name: String) -> String? {
        last(where: { $0.name == name })?.stringValue
    }
}
