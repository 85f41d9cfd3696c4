import CRdKafka

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new`.
final class RDKafkaConfig {
    private(set) var pointer: OpaquePointer?

    init(properties: [(String, String)]) throws(KafkaError) {
        let conf = rd_kafka_conf_new()
        pointer = conf
        for (key, value) in properties {
            try set(key, value)
        }
    }

    func set(_ key: String, _ value: String) throws(KafkaError) {
        var errstr = [CChar](repeating: 0, count: 512)
        let result = rd_kafka_conf_set(pointer, key, value, &errstr, errstr.count)
        if result != RD_KAFKA_CONF_OK {
            let message = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw .configuration(property: key, message: message)
        }
    }

    /// Creates a client handle; the configuration is consumed whether or not this succeeds.
    func makeClient(type: rd_kafka_type_t) throws(KafkaError) -> OpaquePointer {
        var errstr = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(type, pointer, &errstr, errstr.count) else {
            let message = errstr.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw .clientCreation(message)
        }
        pointer = nil  // rd_kafka_new took ownership.
        return rk
    }

    deinit {
        if let pointer { rd_kafka_conf_destroy(pointer) }
    }
}
