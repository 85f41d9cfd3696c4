import CRdKafka

/// A librdkafka error code (`rd_kafka_resp_err_t`), with the names we use spelled out.
public struct KafkaErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let noError = KafkaErrorCode(rawValue: 0)
    public static let queueFull = KafkaErrorCode(rawValue: -184)
    public static let messageTimedOut = KafkaErrorCode(rawValue: -192)
    public static let transport = KafkaErrorCode(rawValue: -195)
    public static let allBrokersDown = KafkaErrorCode(rawValue: -187)
    public static let partitionEOF = KafkaErrorCode(rawValue: -191)
    public static let noOffset = KafkaErrorCode(rawValue: -168)
    public static let timedOut = KafkaErrorCode(rawValue: -185)
    public static let unknownTopicOrPartition = KafkaErrorCode(rawValue: 3)
    public static let notLeaderForPartition = KafkaErrorCode(rawValue: 6)
    public static let requestTimedOut = KafkaErrorCode(rawValue: 7)
    public static let notEnoughReplicas = KafkaErrorCode(rawValue: 19)
    public static let notCoordinator = KafkaErrorCode(rawValue: 16)

    /// librdkafka's short name, e.g. `_QUEUE_FULL`.
    public var name: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue))) }
    /// librdkafka's readable text.
    public var description: String { String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue))) }
}

/// Errors raised by the Kafka layer.
public enum KafkaError: Error, Sendable, CustomStringConvertible {
    /// A configuration property was rejected; `message` is librdkafka's own text.
    case configuration(property: String, message: String)
    /// Creating a client handle failed.
    case clientCreation(String)
    /// A broker or client error with librdkafka's code.
    case broker(code: KafkaErrorCode, message: String)
    /// The client is shut down or shutting down.
    case closed
    /// An operation did not finish before its deadline.
    case timedOut(String)
    /// The embedded (mock) broker failed.
    case embeddedBroker(String)

    public var description: String {
        switch self {
        case .configuration(let property, let message): "invalid Kafka configuration '\(property)': \(message)"
        case .clientCreation(let m): "cannot create Kafka client: \(m)"
        case .broker(let code, let message): "Kafka error \(code.name): \(message)"
        case .closed: "Kafka client is closed"
        case .timedOut(let what): "timed out: \(what)"
        case .embeddedBroker(let m): "embedded broker: \(m)"
        }
    }

    static func from(_ err: rd_kafka_resp_err_t) -> KafkaError {
        let code = KafkaErrorCode(rawValue: err.rawValue)
        return .broker(code: code, message: code.description)
    }

    /// The librdkafka code, when this is a broker error.
    public var code: KafkaErrorCode? {
        if case .broker(let code, _) = self { return code }
        return nil
    }
}
