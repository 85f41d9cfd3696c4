import CRdKafka
import Logging

/// An `rd_kafka_t` pointer that may cross threads. librdkafka handles are thread-safe;
/// the pointer itself never leaves this module.
struct RDKafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
}

/// Forwards librdkafka's log lines to swift-log.
enum RDKafkaLogging {
    /// Installs the log callback; `opaque` must point to an object conforming to ``RDKafkaLogSink``.
    static func install(on conf: OpaquePointer?) {
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            let sink = Unmanaged<AnyObject>.fromOpaque(opaque).takeUnretainedValue() as? any RDKafkaLogSink
            let text = "\(facility.map { String(cString: $0) } ?? "-"): \(message.map { String(cString: $0) } ?? "")"
            sink?.logger.log(level: Logger.Level(syslog: level), "\(text)")
        }
        rd_kafka_conf_set_error_cb(conf) { rk, err, reason, _ in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            let sink = Unmanaged<AnyObject>.fromOpaque(opaque).takeUnretainedValue() as? any RDKafkaLogSink
            let code = KafkaErrorCode(rawValue: err)
            sink?.logger.warning("librdkafka error \(code.name): \(reason.map { String(cString: $0) } ?? "")")
        }
    }
}

/// An object that owns a logger for librdkafka's callbacks.
protocol RDKafkaLogSink: AnyObject {
    var logger: Logger { get }
}

extension Logger.Level {
    init(syslog level: Int32) {
        switch level {
        case ...3: self = .error
        case 4: self = .warning
        case 5, 6: self = .debug  // librdkafka's notice/info lines are connection chatter
        default: self = .trace
        }
    }
}

/// Copies a C buffer into a Swift byte array.
@inline(__always)
func bytes(_ pointer: UnsafeMutableRawPointer?, _ count: Int) -> [UInt8] {
    guard let pointer, count > 0 else { return [] }
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        buffer.baseAddress!.initialize(from: pointer.assumingMemoryBound(to: UInt8.self), count: count)
        initialized = count
    }
}
