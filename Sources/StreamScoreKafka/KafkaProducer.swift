import CRdKafka
import CRdKafkaShims
import Foundation
import Logging

/// A Kafka producer.
///
/// - ``send(topic:key:value:headers:partition:)`` resolves when the broker acknowledges the record.
/// - ``enqueue(topic:key:value:headers:partition:token:)`` is fire-and-track: delivery reports arrive
///   in batches on the `deliveryHandler` given at creation, carrying the caller's token.
///
/// When librdkafka's local queue is full, both wait for room instead of failing (backpressure).
/// Delivery reports are served by a dedicated thread that blocks in `rd_kafka_poll` and wakes as
/// soon as a report arrives.
public final class KafkaProducer: Sendable {
    private let core: ProducerCore

    /// Creates a producer. `deliveryHandler` receives the reports of ``enqueue`` calls in batches,
    /// on the producer's polling thread; keep it short and non-blocking.
    public init(configuration: KafkaConfiguration,
                logger: Logger = Logger(label: "streamscore.kafka.producer"),
                deliveryHandler: (@Sendable ([DeliveryReport]) -> Void)? = nil) throws(KafkaError) {
        core = try ProducerCore(configuration: configuration, logger: logger, deliveryHandler: deliveryHandler)
    }

    /// Sends one record and waits for the broker's acknowledgement.
    /// - Returns: the delivery report with partition and offset.
    /// - Throws: ``KafkaError`` when the broker or librdkafka reports a failure.
    @discardableResult
    public func send(topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [],
                     partition: Int32? = nil) async throws(KafkaError) -> DeliveryReport {
        let token = core.nextAwaitedToken()
        try await core.produce(topic: topic, key: key, value: value, headers: headers, partition: partition,
                               token: token)
        let report = await core.awaitReport(token: token)
        if let error = report.error { throw error }
        return report
    }

    /// Hands one record to librdkafka without waiting for the broker; its report reaches the
    /// delivery handler with `token`. Waits while the local queue is full.
    /// - Parameter token: any value below 2⁶³, chosen by the caller.
    public func enqueue(topic: String, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = [],
                        partition: Int32? = nil, token: UInt64) async throws(KafkaError) {
        precondition(token < ProducerCore.awaitedBit, "tokens must be below 2^63")
        try await core.produce(topic: topic, key: key, value: value, headers: headers, partition: partition,
                               token: token)
    }

    /// Hands a batch of records to librdkafka at once (one lock, and one topic lookup per run of
    /// records), waiting while the local queue is full. Reports reach the delivery handler with
    /// each record's token.
    public func enqueue(_ batch: ProduceBatch) async throws(KafkaError) {
        try await core.produce(batch)
    }

    /// Records queued locally or in flight to the broker, not yet reported.
    public var outstanding: Int { core.outstanding }

    /// Waits until every queued record has been reported, or the timeout passes.
    /// - Returns: `true` when the queue drained.
    @discardableResult
    public func flush(timeout: Duration) async -> Bool {
        await core.flush(timeout: timeout)
    }

    /// Flushes for up to `deadline`, then stops polling and destroys the client. Destroy runs on a
    /// dedicated thread with the same deadline, because it can hang in librdkafka 2.0.2.
    /// Records still unreported fail with ``KafkaError/closed``.
    /// - Returns: `true` when everything was delivered and the client shut down in time.
    @discardableResult
    public func close(deadline: Duration = .seconds(10)) async -> Bool {
        await core.close(deadline: deadline)
    }
}

/// The producer's shared state. Callbacks reach it through librdkafka's opaque pointer.
final class ProducerCore: @unchecked Sendable, RDKafkaLogSink {
    static let awaitedBit: UInt64 = 1 << 63

    let logger: Logger
    private let handle: RDKafkaHandle
    private let deliveryHandler: (@Sendable ([DeliveryReport]) -> Void)?
    private let topics = Locked<[String: RDKafkaHandle]>([:])
    /// Awaited sends: a waiting continuation, or a report that arrived before anyone waited.
    private enum AwaitSlot {
        case waiting(CheckedContinuation<DeliveryReport, Never>)
        case arrived(DeliveryReport)
    }
    private let awaiters = Locked<[UInt64: AwaitSlot]>([:])
    private let roomWaiters = Locked<[CheckedContinuation<Void, Never>]>([])
    private let flushWaiters = Locked<[(deadline: ContinuousClock.Instant, continuation: CheckedContinuation<Bool, Never>)]>([])
    private let counter = Locked<UInt64>(0)
    private let state = Locked<(stopping: Bool, closed: Bool)>((false, false))
    private let pollThreadDone = DispatchSemaphore(value: 0)
    /// Reports collected during one `rd_kafka_poll` call; touched only by the polling thread.
    fileprivate var collected: [DeliveryReport] = []
    /// The other buffer of the pair `dispatchCollected` alternates with `collected`.
    private var spareReports: [DeliveryReport] = []

    init(configuration: KafkaConfiguration, logger: Logger,
         deliveryHandler: (@Sendable ([DeliveryReport]) -> Void)?) throws(KafkaError) {
        self.logger = logger
        self.deliveryHandler = deliveryHandler
        let conf = try RDKafkaConfig(properties: configuration.librdkafkaProperties())
        // Reports carry the per-message opaque; we don't need payloads back.
        try conf.set("delivery.report.only.error", "false")
        let box = WeakBox()
        rd_kafka_conf_set_opaque(conf.pointer, Unmanaged.passRetained(box).toOpaque())
        RDKafkaLogging.install(on: conf.pointer)
        rd_kafka_conf_set_dr_msg_cb(conf.pointer) { rk, message, _ in
            guard let rk, let message, let opaque = rd_kafka_opaque(rk) else { return }
            guard let core = Unmanaged<WeakBox>.fromOpaque(opaque).takeUnretainedValue().producer else { return }
            let m = message.pointee
            let token = UInt64(UInt(bitPattern: m._private))
            let error: KafkaError? = m.err.rawValue == 0 ? nil : KafkaError.from(m.err)
            core.collected.append(DeliveryReport(token: token, partition: m.partition, offset: m.offset, error: error))
        }
        handle = RDKafkaHandle(pointer: try conf.makeClient(type: RD_KAFKA_PRODUCER))
        box.producer = self
        box.logSink = self
        collected.reserveCapacity(4096)
        spareReports.reserveCapacity(4096)
        DedicatedThread.start(name: "streamscore-producer-poll") { [self] in pollLoop() }
    }

    // MARK: Tokens and awaiters

    func nextAwaitedToken() -> UInt64 {
        counter.withLock { c in
            c &+= 1
            return Self.awaitedBit | (c & ~Self.awaitedBit)
        }
    }

    /// Waits for the report of an awaited send that was handed to librdkafka.
    func awaitReport(token: UInt64) async -> DeliveryReport {
        await withCheckedContinuation { (c: CheckedContinuation<DeliveryReport, Never>) in
            let early: DeliveryReport? = awaiters.withLock { table in
                if case .arrived(let report) = table[token] {
                    table[token] = nil
                    return report
                }
                if state.withLock({ $0.closed }) {
                    return DeliveryReport(token: token, partition: -1, offset: -1, error: .closed)
                }
                table[token] = .waiting(c)
                return nil
            }
            if let early { c.resume(returning: early) }
        }
    }

    // MARK: Producing

    var outstanding: Int {
        state.withLock { s in s.stopping ? 0 : Int(rd_kafka_outq_len(handle.pointer)) }
    }

    private func topicHandle(_ name: String) -> OpaquePointer? {
        if let existing = topics.withLock({ $0[name] }) { return existing.pointer }
        return topics.withLock { table in
            if let existing = table[name] { return existing.pointer }
            guard let rkt = rd_kafka_topic_new(handle.pointer, name, nil) else { return nil }
            table[name] = RDKafkaHandle(pointer: rkt)
            return rkt
        }
    }

    /// Produces `batch`'s records from `start` until done or the first failure; returns where it stopped.
    func tryProduce(_ batch: ProduceBatch, from start: Int) -> (next: Int, error: KafkaErrorCode) {
        let rk = handle.pointer
        // Holding the state lock keeps close() from destroying the handle mid-call.
        return state.withLock { s -> (Int, KafkaErrorCode) in
            if s.stopping { return (start, KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR__DESTROY.rawValue)) }
            return batch.bytes.withUnsafeBytes { bytes -> (Int, KafkaErrorCode) in
                batch.entries.withUnsafeBufferPointer { entries -> (Int, KafkaErrorCode) in
                    // Records come in runs of one topic: look its handle up once per run.
                    var current: (topic: String, rkt: OpaquePointer)?
                    for i in start..<entries.count {
                        if current?.topic != entries[i].topic {
                            guard let rkt = topicHandle(entries[i].topic) else {
                                return (i, KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue))
                            }
                            current = (entries[i].topic, rkt)
                        }
                        let hdrs = Self.makeHeaders(entries[i].headers)
                        let opaque = UnsafeMutableRawPointer(bitPattern: UInt(entries[i].token))
                        let key = entries[i].key
                        let value = entries[i].value
                        let err = streamscore_rdk_produce(rk, current!.rkt, entries[i].partition ?? RD_KAFKA_PARTITION_UA,
                                                          key.map { r in bytes.baseAddress.map { $0 + r.lowerBound } ?? emptyKey },
                                                          key?.count ?? 0, bytes.baseAddress.map { $0 + value.lowerBound },
                                                          value.count, hdrs, opaque)
                        if err.rawValue != 0 {
                            if let hdrs { rd_kafka_headers_destroy(hdrs) }
                            return (i, KafkaErrorCode(rawValue: err.rawValue))
                        }
                    }
                    return (entries.count, .noError)
                }
            }
        }
    }

    private static func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty else { return nil }
        let hdrs = rd_kafka_headers_new(headers.count)
        for header in headers {
            if let v = header.value {
                _ = v.withUnsafeBytes { rd_kafka_header_add(hdrs, header.name, -1, $0.baseAddress, $0.count) }
            } else {
                _ = rd_kafka_header_add(hdrs, header.name, -1, nil, 0)
            }
        }
        return hdrs
    }

    func produce(topic: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader], partition: Int32?,
                 token: UInt64) async throws(KafkaError) {
        var batch = ProduceBatch(records: 1, bytes: (key?.count ?? 0) + value.count)
        batch.appendRecord(topic: topic, key: key?[...], headers: headers, partition: partition, token: token) {
            $0.append(contentsOf: value)
        }
        try await produce(batch)
    }

    /// Produces every record of `batch` in order, waiting for room while the local queue is full.
    func produce(_ batch: ProduceBatch) async throws(KafkaError) {
        var start = 0
        while start < batch.count {
            let (next, err) = tryProduce(batch, from: start)
            start = next
            if start == batch.count { return }
            if err != .queueFull {
                if state.withLock({ $0.stopping }) { throw .closed }
                throw .broker(code: err, message: err.description)
            }
            await waitForRoom()
        }
    }

    /// Waits until the polling thread has served delivery reports (freeing queue room).
    func waitForRoom() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            if state.withLock({ $0.stopping }) { c.resume(); return }
            roomWaiters.withLock { $0.append(c) }
        }
    }

    // MARK: Polling thread

    private func pollLoop() {
        while !state.withLock({ $0.stopping }) {
            rd_kafka_poll(handle.pointer, 100)
            dispatchCollected()
            wakeWaiters(final: false)
        }
        pollThreadDone.signal()
    }

    private func dispatchCollected() {
        guard !collected.isEmpty else { return }
        // Double-buffered: the callbacks fill `collected` while this poll's reports are handed on,
        // and neither buffer is ever copied or reallocated.
        var reports: [DeliveryReport] = []
        swap(&reports, &spareReports)
        swap(&reports, &collected)
        defer {
            reports.removeAll(keepingCapacity: true)
            spareReports = reports
        }
        guard reports.contains(where: { $0.token & Self.awaitedBit != 0 }) else {
            deliveryHandler?(reports)
            return
        }
        var tracked: [DeliveryReport] = []
        var resumed: [(CheckedContinuation<DeliveryReport, Never>, DeliveryReport)] = []
        awaiters.withLock { table in
            for report in reports {
                if report.token & Self.awaitedBit != 0 {
                    if case .waiting(let c) = table.removeValue(forKey: report.token) {
                        resumed.append((c, report))
                    } else {
                        table[report.token] = .arrived(report)
                    }
                } else {
                    tracked.append(report)
                }
            }
        }
        for (c, report) in resumed { c.resume(returning: report) }
        if !tracked.isEmpty { deliveryHandler?(tracked) }
    }

    private func wakeWaiters(final: Bool) {
        let waiting = roomWaiters.withLock { w -> [CheckedContinuation<Void, Never>] in
            let all = w
            w.removeAll()
            return all
        }
        for c in waiting { c.resume() }
        let now = ContinuousClock.now
        let drained = outstanding == 0
        let due = flushWaiters.withLock { list -> [(CheckedContinuation<Bool, Never>, Bool)] in
            var ready: [(CheckedContinuation<Bool, Never>, Bool)] = []
            list.removeAll { entry in
                if drained || final || entry.deadline <= now {
                    ready.append((entry.continuation, drained))
                    return true
                }
                return false
            }
            return ready
        }
        for (c, ok) in due { c.resume(returning: ok) }
    }

    func flush(timeout: Duration) async -> Bool {
        if outstanding == 0 { return true }
        return await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
            if state.withLock({ $0.stopping }) { c.resume(returning: outstanding == 0); return }
            flushWaiters.withLock { $0.append((ContinuousClock.now + timeout, c)) }
        }
    }

    func close(deadline: Duration) async -> Bool {
        let start = ContinuousClock.now
        if state.withLock({ $0.closed }) { return true }
        let flushed = await flush(timeout: deadline)
        state.withLock { s in
            s.stopping = true
            rd_kafka_yield(self.handle.pointer)
        }
        let remaining = max(.milliseconds(100), deadline - (ContinuousClock.now - start))
        let handle = self.handle
        let topicHandles = topics.withLock { t -> [RDKafkaHandle] in
            let all = Array(t.values)
            t.removeAll()
            return all
        }
        let pollThreadDone = self.pollThreadDone
        let destroyed = await DedicatedThread.run(name: "streamscore-producer-close", deadline: remaining) {
            pollThreadDone.wait()
            for t in topicHandles { rd_kafka_topic_destroy(t.pointer) }
            rd_kafka_destroy(handle.pointer)
            return true
        } ?? false
        state.withLock { $0.closed = true }
        if !destroyed { logger.warning("producer did not shut down within \(deadline); abandoning it") }
        wakeWaiters(final: true)
        let orphans = awaiters.withLock { t -> [CheckedContinuation<DeliveryReport, Never>] in
            let all = t.values.compactMap { slot -> CheckedContinuation<DeliveryReport, Never>? in
                if case .waiting(let c) = slot { return c }
                return nil
            }
            t.removeAll()
            return all
        }
        for c in orphans { c.resume(returning: DeliveryReport(token: 0, partition: -1, offset: -1, error: .closed)) }
        return flushed && destroyed
    }
}

/// Where an empty, non-null key points when a batch's buffer has no bytes at all.
nonisolated(unsafe) private let emptyKey = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1))

/// The object librdkafka's opaque points at. It is retained for the handle's lifetime.
final class WeakBox: @unchecked Sendable, RDKafkaLogSink {
    weak var producer: ProducerCore?
    weak var consumer: ConsumerCore?
    weak var logSink: (any RDKafkaLogSink)?
    var logger: Logger { logSink?.logger ?? Logger(label: "streamscore.kafka") }
}
