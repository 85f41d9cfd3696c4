import StreamScoreKafka

/// A consumed record waiting to be scored.
struct PendingRecord: Sendable {
    var message: KafkaMessage
    var token: UInt64
    /// When the worker took it from the consumer.
    var arrival: ContinuousClock.Instant
}

/// One record produced by the pipeline: a prediction, a dead letter, or an error reply.
struct OutputRecord: Sendable {
    var topic: String
    var key: [UInt8]?
    var value: [UInt8]
    var headers: [KafkaHeader]
    var partition: Int32?
    /// The tracker token; `untracked` for best-effort extras (error replies).
    var token: UInt64
    /// Rows scored for the input record (0 for dead letters and error replies).
    var rows: Int
    /// The input record's Kafka timestamp, for end-to-end latency.
    var sourceTimestampMs: Int64?
    /// When the worker took the input record from the consumer.
    var arrival: ContinuousClock.Instant

    static let untracked: UInt64 = (1 << 63) - 1
}

/// Milliseconds from arrival instants to a fixed instant, remembering the last answer: records of
/// one consumed chunk share their arrival, so most lookups skip the `Duration` arithmetic.
struct ElapsedSince {
    let end: ContinuousClock.Instant
    private var last: (arrival: ContinuousClock.Instant, ms: Double)?

    init(until end: ContinuousClock.Instant) { self.end = end }

    mutating func milliseconds(from arrival: ContinuousClock.Instant) -> Double {
        if let last, last.arrival == arrival { return last.ms }
        let ms = (end - arrival).milliseconds
        last = (arrival, ms)
        return ms
    }
}

/// Counting semaphore for async tasks: at most `limit` holders at once.
final class AsyncLimiter: Sendable {
    private let state: Locked<(available: Int, waiters: [CheckedContinuation<Void, Never>])>

    init(limit: Int) { state = Locked((limit, [])) }

    func acquire() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let ready = state.withLock { s -> Bool in
                if s.available > 0 {
                    s.available -= 1
                    return true
                }
                s.waiters.append(c)
                return false
            }
            if ready { c.resume() }
        }
    }

    func release() {
        let next = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if s.waiters.isEmpty {
                s.available += 1
                return nil
            }
            return s.waiters.removeFirst()
        }
        next?.resume()
    }
}

import Synchronization

/// A mutex-guarded value (shorthand used across the worker).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R { try mutex.withLock { try body(&$0) } }
}

/// Milliseconds since the Unix epoch.
func epochMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Microseconds since the Unix epoch.
func epochMicroseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
}

#if canImport(Glibc)
import Glibc
#endif

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}
