import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import StreamScoreContract
import StreamScoreKafka
import Synchronization

/// Sends requests to the input topic and hands each reply to the request waiting for it.
///
/// ## Reply correlation
///
/// Every gateway joins the consumer group `streamscore-gateways` (``GatewayConfiguration/replyGroup``)
/// on the reply topic. The partitions the group assigns to a gateway are its own: nobody else
/// reads them. A request goes to the input topic with these headers:
///
/// - `reply-to`: the reply topic;
/// - `reply-partition`: one of the partitions this gateway owns, taken round-robin (in runs of 16
///   requests, so replies batch well);
/// - `correlation-id`: a UUID unique to the request (its first 8 bytes identify the gateway
///   instance, its last 8 bytes number the request);
/// - `deadline-ms`: now + the timeout, so a worker skips a request nobody waits for any more.
///
/// The worker produces the prediction (or an error reply) to exactly that partition, echoing
/// `correlation-id`, so each gateway receives only its own replies and never reads `predictions`.
/// A reply whose correlation id is not pending here (it timed out, or it belongs to another
/// gateway after a rebalance) is dropped and counted in `streamscore_gateway_late_replies_total`.
///
/// A gateway is ready only while it owns at least one reply partition (and, after a request could
/// not be delivered to the broker, not again until `brokerRetryAfter` has passed). Reply offsets
/// are stored as replies are read and committed by the group, so a partition's next owner starts
/// where the last one stopped; a partition the group never committed is read from its start.
///
/// Limits:
/// - More gateways than reply partitions: the extra gateways own nothing and stay not-ready (503).
///   Give the reply topic at least as many partitions as gateways.
/// - A rebalance moves partitions between gateways. A request whose reply partition moved while
///   it was in flight gets its reply at the new owner, which drops it; the request times out (504).
///   If the partition comes back to the same gateway (the usual case with an eager rebalance),
///   the reply is read from the committed position and still answered.
/// - A gateway that dies without leaving keeps its partitions until its session times out
///   (10 s by default); replies sent there meanwhile are lost with the requests that wanted them.
///
/// Pending requests live in a table with one deadline each. Deadlines are in request order (all
/// requests share the timeout), so a single sweeper task, sleeping until the oldest deadline of a
/// request still waiting, expires them; nothing in the request path waits on a timer.
final class ReplyCorrelator: Service, Sendable {
    /// How a request ended.
    enum Outcome: Sendable {
        /// The reply record's value.
        case reply([UInt8])
        case timedOut
        /// The request could not be delivered to the broker.
        case undeliverable(String)
        case shuttingDown
    }

    private enum Slot {
        case registered
        case waiting(CheckedContinuation<Outcome, Never>)
        case done(Outcome)
    }

    private struct Table {
        var slots: [UInt64: Slot] = [:]
        /// Request ids with their deadlines, oldest first (`head` marks the first live entry).
        var deadlines: [(id: UInt64, deadline: ContinuousClock.Instant)] = []
        var head = 0
        /// The sweeper, parked while no request is pending.
        var idleSweeper: CheckedContinuation<Void, Never>?
        var stopping = false
    }

    private struct Clients: @unchecked Sendable {
        let producer: KafkaProducer
        let consumer: KafkaConsumer
    }

    private struct Ownership {
        var partitions: [Int32] = []
        var next: UInt = 0
    }

    let configuration: GatewayConfiguration
    private let metrics: GatewayMetrics
    private let logger: Logger
    private let table = Mutex(Table())
    private let clients = Mutex<Clients?>(nil)
    private let ownership = Mutex(Ownership())
    private let brokerDownUntil = Mutex<ContinuousClock.Instant?>(nil)
    private let sequence = Atomic<UInt64>(0)
    /// The first 8 bytes of every correlation id this instance sends (UUID version 4 bits set).
    let instanceID: UInt64
    private let instanceHex: [UInt8]
    private let replyTopicHeader: KafkaHeader
    private let timeoutMs: Int64

    init(configuration: GatewayConfiguration, metrics: GatewayMetrics, logger: Logger) {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        var random = SystemRandomNumberGenerator()
        instanceID = (random.next() as UInt64) & ~0xF000 | 0x4000
        instanceHex = CorrelationID.hex(instanceID)
        replyTopicHeader = KafkaHeader(HeaderName.replyTo, configuration.replyTopic)
        timeoutMs = configuration.timeoutMilliseconds
    }

    // MARK: State

    /// The reply partitions this gateway owns, sorted.
    var ownedPartitions: [Int32] { ownership.withLock { $0.partitions } }

    /// Why the gateway is not ready, or nil when it is.
    var notReadyReason: String? {
        if clients.withLock({ $0 == nil }) { return "not ready: the gateway is not connected to Kafka yet" }
        if table.withLock({ $0.stopping }) { return "not ready: the gateway is shutting down" }
        if ownership.withLock({ $0.partitions.isEmpty }) {
            return "not ready: no partition of reply topic '\(configuration.replyTopic)' is assigned to this gateway yet "
                + "(group '\(configuration.replyGroup)'; gateways beyond the partition count stay idle)"
        }
        if let until = brokerDownUntil.withLock({ $0 }), ContinuousClock.now < until {
            return "not ready: the Kafka broker is unreachable"
        }
        return nil
    }

    var pendingCount: Int { table.withLock { $0.slots.count } }

    /// Sets the state gauges; called when /metrics is read.
    func sampleGauges() {
        metrics.pending.set(to: Double(pendingCount))
        metrics.replyPartitions.set(to: Double(ownedPartitions.count))
        metrics.ready.set(to: notReadyReason == nil ? 1 : 0)
    }

    // MARK: Requests

    /// Sends one request and waits for its reply, the timeout, or a delivery failure.
    /// - Parameters:
    ///   - model: the `model` header, if any.
    ///   - version: the `model-version` header, if any.
    ///   - writeRecord: writes the feature record; gets the correlation id to use as the record id.
    /// - Throws: 503 when not ready or at the pending bound.
    func submit(model: String?, version: String?,
                writeRecord: (inout JSONWriter, String) -> Void) async throws(GatewayError) -> Outcome {
        guard let clients = clients.withLock({ $0 }) else { throw Self.unavailable(notReadyReason ?? "not ready") }
        // Round-robin over the owned partitions in runs of 16 requests, so that the worker's
        // replies batch into fewer, larger record batches.
        let partition: Int32? = ownership.withLock { o in
            guard !o.partitions.isEmpty else { return nil }
            o.next &+= 1
            return o.partitions[Int((o.next / 16) % UInt(o.partitions.count))]
        }
        guard let partition else { throw Self.unavailable(notReadyReason ?? "not ready") }
        if let until = brokerDownUntil.withLock({ $0 }), ContinuousClock.now < until {
            throw Self.unavailable("the Kafka broker is unreachable; retry later")
        }
        let id = sequence.add(1, ordering: .relaxed).newValue & CorrelationID.sequenceMask
        let registered: Result<CheckedContinuation<Void, Never>?, GatewayError> = table.withLock { t in
            if t.stopping { return .failure(Self.unavailable("the gateway is shutting down")) }
            if t.slots.count >= configuration.maxPending {
                return .failure(Self.unavailable("too many requests in flight (\(configuration.maxPending)); retry later"))
            }
            t.slots[id] = .registered
            t.deadlines.append((id, ContinuousClock.now + configuration.timeout))
            let sweeper = t.idleSweeper
            t.idleSweeper = nil
            return .success(sweeper)
        }
        switch registered {
        case .failure(let error): throw error
        case .success(let sweeper): sweeper?.resume()
        }

        let correlation = CorrelationID.string(instanceHex: instanceHex, sequence: id)
        var writer = JSONWriter(capacity: 256)
        writeRecord(&writer, correlation)
        let deadline = Int64((Date().timeIntervalSince1970 * 1000).rounded()) + timeoutMs
        var headers = [
            KafkaHeader(HeaderName.correlationID, correlation),
            replyTopicHeader,
            KafkaHeader(HeaderName.replyPartition, String(partition)),
            KafkaHeader(HeaderName.deadlineMs, String(deadline)),
        ]
        if let model { headers.append(KafkaHeader(HeaderName.model, model)) }
        if let version { headers.append(KafkaHeader(HeaderName.modelVersion, version)) }
        do {
            // No key: librdkafka's sticky partitioner fills one partition's batch at a time, so
            // requests batch well under load. Request order does not matter.
            try await clients.producer.enqueue(topic: configuration.inputTopic, key: nil,
                                               value: writer.bytes, headers: headers, token: id)
        } catch {
            _ = table.withLock { $0.slots.removeValue(forKey: id) }
            throw Self.unavailable("cannot send the request to Kafka: \(error)")
        }
        return await withCheckedContinuation { (c: CheckedContinuation<Outcome, Never>) in
            let early: Outcome? = table.withLock { t in
                switch t.slots[id] {
                case .done(let outcome):
                    t.slots[id] = nil
                    return outcome
                case .registered:
                    t.slots[id] = .waiting(c)
                    return nil
                case .waiting, .none:
                    return .timedOut
                }
            }
            if let early { c.resume(returning: early) }
        }
    }

    static func unavailable(_ message: String) -> GatewayError {
        var headers = HTTPFields()
        headers[.retryAfter] = "1"
        return GatewayError(.serviceUnavailable, message, headers: headers)
    }

    /// Finishes request `id` with `outcome`; returns false when it was not pending.
    @discardableResult
    private func complete(_ id: UInt64, with outcome: Outcome) -> Bool {
        let waiter: (Bool, CheckedContinuation<Outcome, Never>?) = table.withLock { t in
            switch t.slots[id] {
            case .registered:
                t.slots[id] = .done(outcome)
                return (true, nil)
            case .waiting(let c):
                t.slots[id] = nil
                return (true, c)
            case .done, .none:
                return (false, nil)
            }
        }
        waiter.1?.resume(returning: outcome)
        return waiter.0
    }

    // MARK: Service

    /// Connects to Kafka and serves replies and deadlines until graceful shutdown or cancellation,
    /// then fails what is still pending, leaves the group and flushes the producer.
    func run() async throws {
        let clients = try await makeClients()
        self.clients.withLock { $0 = clients }
        logger.info("gateway joined reply group", metadata: [
            "group": "\(configuration.replyGroup)", "reply-topic": "\(configuration.replyTopic)",
            "instance": "\(String(decoding: instanceHex, as: UTF8.self))",
        ])
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await self.replyLoop(clients.consumer) }
                    group.addTask { await self.sweepLoop() }
                    // Either ends only on shutdown; stop the other one too.
                    await group.next()
                    group.cancelAll()
                }
            } onCancel: {
                self.beginShutdown()
            }
        } onGracefulShutdown: {
            self.beginShutdown()
        }
        failAllPending()
        ownership.withLock { $0.partitions = [] }
        await clients.consumer.close(deadline: configuration.shutdownTimeout)
        await clients.producer.close(deadline: configuration.shutdownTimeout)
        logger.info("gateway left reply group")
    }

    private func makeClients() async throws(KafkaError) -> Clients {
        var producerConfig = KafkaConfiguration(bootstrapServers: configuration.brokers)
        producerConfig.clientID = "streamscore-gateway"
        producerConfig.lingerMs = configuration.lingerMs
        // A request not acknowledged in most of its timeout cannot be answered in time anyway;
        // failing it then reports the broker as unreachable (503) instead of a bare 504.
        producerConfig.messageTimeoutMs = max(100, Int(timeoutMs * 4 / 5))
        // Requests are small and latency-bound: no Nagle delay on the broker connections.
        producerConfig.properties = ["socket.nagle.disable": "true"]
            .merging(configuration.kafkaProperties.filter { !Self.consumerOnly.contains($0.key) }) { _, given in given }
        let producer = try KafkaProducer(configuration: producerConfig, logger: logger) { [weak self] reports in
            self?.delivered(reports)
        }

        var consumerConfig = KafkaConfiguration(bootstrapServers: configuration.brokers,
                                                groupID: configuration.replyGroup)
        consumerConfig.clientID = "streamscore-gateway"
        // A partition starts at the group's committed position (offsets are stored as replies
        // are read). A partition the group never committed starts at the beginning, not the end:
        // with "latest" the end is looked up asynchronously after the assignment, and replies to
        // the first requests can land before it and be skipped. Old replies read this way are
        // dropped as foreign/late.
        consumerConfig.autoOffsetReset = .earliest
        consumerConfig.autoCommitIntervalMs = 1000
        // A 10 s session (librdkafka's default is 45 s): a gateway that dies loses its partitions,
        // and the replies sent to them, sooner.
        var properties = ["fetch.wait.max.ms": String(configuration.fetchWaitMaxMs), "socket.nagle.disable": "true",
                          "session.timeout.ms": "10000", "heartbeat.interval.ms": "1000"]
        properties.merge(configuration.kafkaProperties.filter { !Self.producerOnly.contains($0.key) }) { _, given in given }
        consumerConfig.properties = properties
        var options = ConsumerOptions()
        options.maxBatchMessages = 1024
        let consumer: KafkaConsumer
        do {
            consumer = try KafkaConsumer(configuration: consumerConfig, topics: [configuration.replyTopic],
                                         options: options, logger: logger) { [weak self] event in
                self?.rebalanced(event)
            }
        } catch {
            await producer.close(deadline: .seconds(1))
            throw error
        }
        return Clients(producer: producer, consumer: consumer)
    }

    /// Properties that only one kind of client takes (librdkafka warns about the others).
    static let consumerOnly: Set<String> = [
        "group.id", "auto.offset.reset", "session.timeout.ms", "max.poll.interval.ms", "fetch.wait.max.ms",
        "fetch.min.bytes", "queued.max.messages.kbytes", "queued.min.messages", "enable.auto.commit",
        "auto.commit.interval.ms", "partition.assignment.strategy", "heartbeat.interval.ms", "fetch.max.bytes",
        "max.partition.fetch.bytes", "group.instance.id", "enable.auto.offset.store", "isolation.level",
    ]
    static let producerOnly: Set<String> = [
        "linger.ms", "queue.buffering.max.ms", "batch.num.messages", "batch.size", "acks", "request.required.acks",
        "compression.codec", "compression.type", "message.timeout.ms", "queue.buffering.max.messages",
        "enable.idempotence", "queue.buffering.max.kbytes", "retries", "message.send.max.retries", "partitioner",
    ]

    private func rebalanced(_ event: RebalanceEvent) {
        let owned: [Int32] = ownership.withLock { o in
            switch event {
            case .assigned(let tps):
                let mine = tps.filter { $0.topic == configuration.replyTopic }.map(\.partition)
                o.partitions = Array(Set(o.partitions).union(mine)).sorted()
            case .revoked(let tps):
                let gone = Set(tps.filter { $0.topic == configuration.replyTopic }.map(\.partition))
                o.partitions.removeAll { gone.contains($0) }
            }
            return o.partitions
        }
        logger.info("reply partitions now owned", metadata: [
            "topic": "\(configuration.replyTopic)", "partitions": "\(owned.map(String.init).joined(separator: ","))",
        ])
    }

    private func delivered(_ reports: [DeliveryReport]) {
        var anyFailed = false
        var anySucceeded = false
        for report in reports {
            if let error = report.error {
                anyFailed = true
                complete(report.token, with: .undeliverable("\(error)"))
            } else {
                anySucceeded = true
            }
        }
        if anyFailed {
            brokerDownUntil.withLock { $0 = ContinuousClock.now + configuration.brokerRetryAfter }
            logger.warning("requests could not be delivered to Kafka; reporting not ready",
                           metadata: ["retry-after": "\(configuration.brokerRetryAfter)"])
        } else if anySucceeded {
            brokerDownUntil.withLock { $0 = nil }
        }
    }

    private func replyLoop(_ consumer: KafkaConsumer) async {
        while let batch = await consumer.nextBatch(maxMessages: 4096) {
            var next: [TopicPartition: Int64] = [:]
            for message in batch {
                next[message.topicPartition] = message.offset + 1
                route(message)
            }
            try? consumer.storeOffsets(next.map { ($0.key, $0.value) })
        }
    }

    private func route(_ message: KafkaMessage) {
        guard let header = message.headers.first(where: { $0.name == HeaderName.correlationID })?.value,
              let parsed = CorrelationID.parse(header), parsed.instance == instanceID else {
            metrics.foreignReplies.increment()
            return
        }
        if !complete(parsed.sequence, with: .reply(Array(message.value))) {
            metrics.lateReplies.increment()
        }
    }

    private func sweepLoop() async {
        while true {
            enum Next { case stop, idle, sleep(ContinuousClock.Instant) }
            let now = ContinuousClock.now
            var expired: [CheckedContinuation<Outcome, Never>] = []
            var expiredCount = 0
            let next: Next = table.withLock { t in
                if t.stopping { return .stop }
                // Pop expired entries, and answered ones up to the first still pending, so the
                // next wake-up is the first pending deadline (usually a full timeout away).
                while t.head < t.deadlines.count {
                    let (id, deadline) = t.deadlines[t.head]
                    switch t.slots[id] {
                    case .registered where deadline <= now:
                        t.slots[id] = .done(.timedOut)
                        expiredCount += 1
                    case .waiting(let c) where deadline <= now:
                        t.slots[id] = nil
                        expired.append(c)
                        expiredCount += 1
                    case .registered, .waiting:
                        break
                    case .done, .none:
                        t.head += 1
                        continue
                    }
                    if deadline > now { break }
                    t.head += 1
                }
                if t.head == t.deadlines.count {
                    t.deadlines.removeAll(keepingCapacity: t.deadlines.capacity < 65_536)
                    t.head = 0
                } else if t.head > 4096 && t.head * 2 > t.deadlines.count {
                    t.deadlines.removeFirst(t.head)
                    t.head = 0
                }
                if t.head < t.deadlines.count { return .sleep(max(t.deadlines[t.head].deadline, now + .milliseconds(1))) }
                return .idle
            }
            if expiredCount > 0 { metrics.timeouts.increment(by: Int64(expiredCount)) }
            for c in expired { c.resume(returning: .timedOut) }
            switch next {
            case .stop:
                return
            case .sleep(let deadline):
                do {
                    try await Task.sleep(until: deadline, tolerance: .microseconds(500), clock: .continuous)
                } catch {
                    return
                }
            case .idle:
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let resumeNow = table.withLock { t -> Bool in
                        if t.stopping || t.head < t.deadlines.count { return true }
                        t.idleSweeper = c
                        return false
                    }
                    if resumeNow { c.resume() }
                }
            }
        }
    }

    private func beginShutdown() {
        let sweeper = table.withLock { t -> CheckedContinuation<Void, Never>? in
            t.stopping = true
            defer { t.idleSweeper = nil }
            return t.idleSweeper
        }
        sweeper?.resume()
        if let clients = clients.withLock({ $0 }) {
            // Closing the consumer ends the reply loop; pending requests fail right after.
            let consumer = clients.consumer
            let deadline = configuration.shutdownTimeout
            Task { await consumer.close(deadline: deadline) }
        }
    }

    private func failAllPending() {
        let waiting = table.withLock { t -> [CheckedContinuation<Outcome, Never>] in
            var out: [CheckedContinuation<Outcome, Never>] = []
            for (id, slot) in t.slots {
                switch slot {
                case .waiting(let c):
                    out.append(c)
                    t.slots[id] = nil
                case .registered:
                    t.slots[id] = .done(.shuttingDown)
                case .done:
                    break
                }
            }
            t.deadlines.removeAll()
            t.head = 0
            return out
        }
        for c in waiting { c.resume(returning: .shuttingDown) }
    }
}

/// Correlation ids: UUID-formatted, `iiiiiiii-iiii-iiii-ssss-ssssssssssss`, where `i` is the
/// gateway instance (64 random bits with the UUID version nibble set to 4) and `s` the request
/// sequence number (62 bits, with the RFC 4122 variant bits `10` on top).
enum CorrelationID {
    static let sequenceMask: UInt64 = 0x3FFF_FFFF_FFFF_FFFF
    private static let digits = Array("0123456789abcdef".utf8)

    static func hex(_ v: UInt64) -> [UInt8] {
        (0..<16).map { i in digits[Int((v >> UInt64(60 - 4 * i)) & 0xF)] }
    }

    static func string(instanceHex: [UInt8], sequence: UInt64) -> String {
        let low = hex((sequence & sequenceMask) | 0x8000_0000_0000_0000)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var j = 0
            func put(_ b: UInt8) { buffer[j] = b; j += 1 }
            for i in 0..<8 { put(instanceHex[i]) }
            put(UInt8(ascii: "-"))
            for i in 8..<12 { put(instanceHex[i]) }
            put(UInt8(ascii: "-"))
            for i in 12..<16 { put(instanceHex[i]) }
            put(UInt8(ascii: "-"))
            for i in 0..<4 { put(low[i]) }
            put(UInt8(ascii: "-"))
            for i in 4..<16 { put(low[i]) }
            return j
        }
    }

    /// The instance and sequence of a correlation id this scheme produced, or nil.
    static func parse(_ bytes: [UInt8]) -> (instance: UInt64, sequence: UInt64)? {
        guard bytes.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var n = 0
        for (i, b) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard b == UInt8(ascii: "-") else { return nil }
                continue
            }
            let d: UInt64
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt64(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt64(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt64(b - UInt8(ascii: "A") + 10)
            default: return nil
            }
            if n < 16 { high = high << 4 | d } else { low = low << 4 | d }
            n += 1
        }
        return (high, low & sequenceMask)
    }
}
