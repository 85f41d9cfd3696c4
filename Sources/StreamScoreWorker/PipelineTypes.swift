import StreamScoreKafka

/// Consumed records waiting to be scored, in consumption order, with their tracker tokens and
/// when the worker took them from the consumer.
struct PendingBatch: Sendable {
    private(set) var messages: [KafkaMessage] = []
    private(set) var tokens: [UInt64] = []
    private(set) var arrivals: [ContinuousClock.Instant] = []

    var count: Int { messages.count }
    var isEmpty: Bool { messages.isEmpty }

    /// Runs `body` with the records' parts as buffers: reading a message from one borrows it
    /// rather than copying it (and retaining its buffers).
    func withRecords<R>(_ body: (PendingRecords) -> R) -> R {
        messages.withUnsafeBufferPointer { messages in
            tokens.withUnsafeBufferPointer { tokens in
                arrivals.withUnsafeBufferPointer { arrivals in
                    body(PendingRecords(messages: messages, tokens: tokens, arrivals: arrivals))
                }
            }
        }
    }

    /// Adds records taken from the consumer at `arrival` (moved in whole when the batch is empty).
    mutating func append(_ taken: consuming [KafkaMessage], tokens newTokens: [UInt64], arrival: ContinuousClock.Instant) {
        if messages.isEmpty { messages = taken } else { messages.append(contentsOf: taken) }
        if tokens.isEmpty { tokens = newTokens } else { tokens.append(contentsOf: newTokens) }
        arrivals.append(contentsOf: repeatElement(arrival, count: newTokens.count))
    }
}

/// A pending batch's parts, valid inside ``PendingBatch/withRecords(_:)``.
struct PendingRecords {
    let messages: UnsafeBufferPointer<KafkaMessage>
    let tokens: UnsafeBufferPointer<UInt64>
    let arrivals: UnsafeBufferPointer<ContinuousClock.Instant>

    var count: Int { messages.count }
}

/// A scored batch's output: the records to produce (predictions, dead letters, error replies
/// and shadow predictions) and, for each, what the worker tracks about it.
struct BatchOutputs: Sendable {
    /// What the worker tracks about one produced record.
    struct Tracking: Sendable {
        /// Rows scored for the input record (0 for dead letters, error replies and shadows).
        var rows: Int
        /// The input record's Kafka timestamp, for end-to-end latency.
        var sourceTimestampMs: Int64?
        /// When the worker took the input record from the consumer.
        var arrival: ContinuousClock.Instant
    }

    var records: ProduceBatch
    /// One entry per record, in the same order.
    var tracking: [Tracking]

    init(capacity: Int) {
        records = ProduceBatch(records: capacity, bytes: capacity * 320)
        tracking = []
        tracking.reserveCapacity(capacity)
    }

    /// Tokens whose record stands for more than one row, with their row counts.
    var multiRow: [(token: UInt64, rows: Int)] {
        zip(records.entries, tracking).compactMap { entry, t in
            t.rows > 1 && entry.token != BatchOutputs.untracked ? (entry.token, t.rows) : nil
        }
    }

    /// The token of records no offset waits for (error replies, shadow predictions, metrics).
    static let untracked: UInt64 = (1 << 63) - 1
}

/// Milliseconds from arrival instants to a fixed instant, remembering the last answer: records of
/// one consumed chunk share their arrival, so most lookups skip the `Duration` arithmetic.
struct ElapsedSince {
    let end: ContinuousClock.Instant
    // Plain fields rather than an optional tuple, whose generic copies cost more than the arithmetic.
    private var lastArrival: ContinuousClock.Instant
    private var lastMs: Double

    init(until end: ContinuousClock.Instant) {
        self.end = end
        lastArrival = end
        lastMs = 0
    }

    mutating func milliseconds(from arrival: ContinuousClock.Instant) -> Double {
        if arrival == lastArrival { return lastMs }
        lastArrival = arrival
        lastMs = (end - arrival).milliseconds
        return lastMs
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
