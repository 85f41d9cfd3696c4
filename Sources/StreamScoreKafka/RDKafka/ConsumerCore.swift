import CRdKafka
import Foundation
import Logging

/// The consumer's shared state and its polling thread.
final class ConsumerCore: @unchecked Sendable, RDKafkaLogSink {
    private struct Shared {
        var buffer = MessageChunks()
        var waiters: [(id: UInt64, max: Int, continuation: CheckedContinuation<[KafkaMessage]?, Never>)] = []
        var nextWaiterID: UInt64 = 0
        var assignment: [TopicPartition] = []
        var appPaused: Set<TopicPartition> = []
        var flowPaused = false
        /// The polling thread waits for the buffer to drain.
        var pollWaitingForDrain = false
        var stopping = false
        var closed = false
    }

    let logger: Logger
    private let handle: RDKafkaHandle
    private let consumerQueue: RDKafkaHandle
    private let options: ConsumerOptions
    private let rebalanceHandler: (@Sendable (RebalanceEvent) async -> Void)?
    private let shared = Locked(Shared())
    private let closeDone = DispatchSemaphore(value: 0)
    private let drained = DispatchSemaphore(value: 0)
    /// `true` until the handle is destroyed; application-side calls hold it so destroy cannot race them.
    private let alive = Locked(true)
    /// Calls that wait for the broker (commits, committed offsets, watermarks, fetch wakes) run
    /// through this gate instead of holding `alive`, which would block storing offsets and pausing
    /// meanwhile; destroy waits for them to finish.
    private let queries = QueryGate()
    /// Topic names by `rd_kafka_topic_t` pointer; touched only by the polling thread.
    private var topicNames: [OpaquePointer: String] = [:]
    /// The last topic seen (most messages come in runs of one topic); polling thread only.
    private var lastTopic: (rkt: OpaquePointer, name: String)?
    /// Touched only by the polling thread.
    private var stallDetector: FetchStallDetector
    /// Per partition of the current assignment, the offset after the last message handed on;
    /// polling thread only. librdkafka 2.0.2 occasionally delivers a message again after a
    /// pause and resume (about one in 20,000 under constant pausing); anything below this offset
    /// is such a repeat and is dropped. Cleared on every rebalance.
    private var deliveredUpTo: [DeliveredKey: Int64] = [:]
    private let repeatsDropped = Locked(0)

    private struct DeliveredKey: Hashable {
        let topic: UInt
        let partition: Int32
    }
    /// Whether a thread is waking the fetchers (one at a time), and the partitions to wake once
    /// it is done (requests that came meanwhile, merged).
    private let waking = Locked<(running: Bool, next: Set<TopicPartition>)>((false, []))
    private let wakeups = Locked(0)

    /// How the consumer gets its partitions.
    enum Subscription {
        /// Joins the configured group and subscribes to these topics.
        case group([String])
        /// Reads every partition of one topic from `start`, with no group.
        case manual(topic: String, start: ReadStart)
    }

    /// Manual mode: the partitions' watermarks when reading started.
    private let manualStart = Locked<[TopicPartition: (low: Int64, high: Int64)]?>(nil)

    init(configuration: KafkaConfiguration, subscription: Subscription, options: ConsumerOptions, logger: Logger,
         rebalanceHandler: (@Sendable (RebalanceEvent) async -> Void)?) throws(KafkaError) {
        if case .group = subscription, configuration.groupID == nil {
            throw .configuration(property: "group.id", message: "a consumer needs a group id")
        }
        self.logger = logger
        self.options = options
        self.rebalanceHandler = rebalanceHandler
        var properties = configuration.librdkafkaProperties()
        properties.insert(("auto.offset.reset", configuration.autoOffsetReset.rawValue), at: 2)
        if case .manual = subscription {
            // rd_kafka_consumer_poll needs a group handle; with assign() and no commits the group
            // is never joined and nothing is stored under this id.
            properties.removeAll { $0.0 == "group.id" }
            properties.insert(("group.id", "streamscore-reader-\(UUID().uuidString.prefix(8))"), at: 2)
            properties.insert(("enable.auto.commit", "false"), at: 2)
        } else {
            properties.insert(("enable.auto.commit", "true"), at: 2)
        }
        properties += [("enable.auto.offset.store", "false"), ("enable.partition.eof", "false")]
        stallDetector = FetchStallDetector(properties: properties, margin: options.maxBatchMessages)
        let conf = try RDKafkaConfig(properties: properties)
        let box = WeakBox()
        rd_kafka_conf_set_opaque(conf.pointer, Unmanaged.passRetained(box).toOpaque())
        RDKafkaLogging.install(on: conf.pointer)
        rd_kafka_conf_set_rebalance_cb(conf.pointer) { rk, err, partitions, _ in
            guard let rk, let opaque = rd_kafka_opaque(rk) else { return }
            guard let core = Unmanaged<WeakBox>.fromOpaque(opaque).takeUnretainedValue().consumer else {
                rd_kafka_assign(rk, nil)
                return
            }
            core.rebalance(err: err, partitions: partitions)
        }
        let rk = try conf.makeClient(type: RD_KAFKA_CONSUMER)
        handle = RDKafkaHandle(pointer: rk)
        rd_kafka_poll_set_consumer(rk)
        consumerQueue = RDKafkaHandle(pointer: rd_kafka_queue_get_consumer(rk))
        box.consumer = self
        box.logSink = self

        switch subscription {
        case .group(let topics):
            let list = PartitionList(topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
            let err = rd_kafka_subscribe(rk, list.pointer)
            if err.rawValue != 0 {
                rd_kafka_queue_destroy(consumerQueue.pointer)
                rd_kafka_destroy(rk)
                throw KafkaError.from(err)
            }
            DedicatedThread.start(name: "streamscore-consumer-poll") { [self] in pollLoop() }
        case .manual(let topic, let start):
            DedicatedThread.start(name: "streamscore-reader-poll") { [self] in
                _ = assignManually(topic: topic, start: start)
                pollLoop()  // returns at once (closing the client) when stopped while waiting
            }
        }
    }

    /// Waits (on the polling thread) until `topic` exists, then assigns all its partitions.
    /// Returns `false` when the consumer stopped first.
    private func assignManually(topic: String, start: ReadStart) -> Bool {
        let rk = handle.pointer
        while !shared.withLock({ $0.stopping }) {
            var partitions: [Int32] = []
            var metadata: UnsafePointer<rd_kafka_metadata>? = nil
            let rkt = rd_kafka_topic_new(rk, topic, nil)
            let err = rd_kafka_metadata(rk, 0, rkt, &metadata, 2000)
            rd_kafka_topic_destroy(rkt)
            if err.rawValue == 0, let md = metadata {
                for t in 0..<Int(md.pointee.topic_cnt) where md.pointee.topics[t].err.rawValue == 0 {
                    let mt = md.pointee.topics[t]
                    partitions += (0..<Int(mt.partition_cnt)).map { mt.partitions[$0].id }
                }
                rd_kafka_metadata_destroy(md)
            }
            if partitions.isEmpty {
                // A topic that does not exist yet counts as empty until it appears.
                if err.rawValue == 0 { manualStart.withLock { s in if s == nil { s = [:] } } }
                _ = rd_kafka_consumer_poll(rk, 300)  // serves callbacks while waiting
                continue
            }
            var watermarks: [TopicPartition: (low: Int64, high: Int64)] = [:]
            var offsets: [Int64] = []
            let tps = partitions.sorted().map { TopicPartition(topic: topic, partition: $0) }
            for tp in tps {
                var low: Int64 = 0
                var high: Int64 = 0
                if rd_kafka_query_watermark_offsets(rk, topic, tp.partition, &low, &high, 5000).rawValue != 0 {
                    low = 0
                    high = 0
                }
                watermarks[tp] = (low, high)
                switch start {
                case .beginning: offsets.append(Int64(RD_KAFKA_OFFSET_BEGINNING))
                case .end: offsets.append(high)
                case .lastRecords(let n): offsets.append(max(low, high - Int64(n)))
                }
            }
            manualStart.withLock { $0 = watermarks }
            let list = PartitionList(tps, offsets: offsets)
            rd_kafka_assign(rk, list.pointer)
            shared.withLock { $0.assignment = tps }
            logger.debug("reading \(topic): \(tps.count) partition(s) from \(start)")
            return true
        }
        return false
    }

    /// Manual mode: the watermarks when reading started (empty while the topic does not exist),
    /// or `nil` before the broker first answered.
    var startWatermarks: [TopicPartition: (low: Int64, high: Int64)]? { manualStart.withLock { $0 } }

    // MARK: Application side

    var bufferedCount: Int { shared.withLock { $0.buffer.count } }
    var currentAssignment: [TopicPartition] { shared.withLock { $0.assignment } }

    func nextBatch(maxMessages: Int, timeout: Duration?) async -> [KafkaMessage]? {
        precondition(maxMessages > 0)
        return await withCheckedContinuation { (c: CheckedContinuation<[KafkaMessage]?, Never>) in
            let ready: [KafkaMessage]?? = shared.withLock { s in
                if s.buffer.count > 0 {
                    let batch = s.buffer.take(maxMessages)
                    if s.pollWaitingForDrain && s.buffer.count <= options.maxBufferedMessages / 2 {
                        s.pollWaitingForDrain = false
                        drained.signal()
                    }
                    return .some(batch)
                }
                if s.stopping { return .some(nil) }
                s.nextWaiterID += 1
                let id = s.nextWaiterID
                s.waiters.append((id, maxMessages, c))
                if let timeout {
                    Task { [shared] in
                        try? await Task.sleep(for: timeout)
                        let expired = shared.withLock { s -> CheckedContinuation<[KafkaMessage]?, Never>? in
                            guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                            return s.waiters.remove(at: index).continuation
                        }
                        expired?.resume(returning: [])
                    }
                }
                return .none
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    func storeOffsets(_ offsets: [(TopicPartition, Int64)]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = PartitionList(offsets.map(\.0), offsets: offsets.map(\.1))
        let err = alive.withLock { a in a ? rd_kafka_offsets_store(handle.pointer, list.pointer) : RD_KAFKA_RESP_ERR__STATE }
        if err.rawValue != 0 && err != RD_KAFKA_RESP_ERR__STATE && err != RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION {
            throw KafkaError.from(err)
        }
    }

    func commit() async throws(KafkaError) {
        if shared.withLock({ $0.closed }) { throw .closed }
        let handle = self.handle
        let queries = self.queries
        let err = await DedicatedThread.run(name: "streamscore-consumer-commit") {
            queries.run { rd_kafka_commit(handle.pointer, nil, 0).rawValue } ?? RD_KAFKA_RESP_ERR__DESTROY.rawValue
        }
        if err != 0 && err != RD_KAFKA_RESP_ERR__NO_OFFSET.rawValue {
            throw KafkaError.from(rd_kafka_resp_err_t(err))
        }
    }

    func committed(_ partitions: [TopicPartition], timeout: Duration) async throws(KafkaError) -> [TopicPartition: Int64] {
        let handle = self.handle
        let queries = self.queries
        let ms = Int32(timeout.timeInterval * 1000)
        let result: Result<[TopicPartition: Int64], KafkaError> = await DedicatedThread.run(name: "streamscore-committed") {
            let list = PartitionList(partitions)
            let err = queries.run { rd_kafka_committed(handle.pointer, list.pointer, ms) } ?? RD_KAFKA_RESP_ERR__DESTROY
            if err.rawValue != 0 { return .failure(KafkaError.from(err)) }
            return .success(list.offsets())
        }
        return try result.get()
    }

    /// Asks the broker for the partitions' high watermarks (the next offset to be written); a
    /// partition the broker does not answer for within `timeout` is left out.
    func highWatermarks(_ partitions: [TopicPartition], timeout: Duration) async -> [TopicPartition: Int64] {
        let handle = self.handle
        let queries = self.queries
        return await DedicatedThread.run(name: "streamscore-watermarks") {
            Self.queryHighWatermarks(handle, queries, partitions, within: timeout)
        }
    }

    /// Queries the partitions' high watermarks one at a time (blocking; dedicated threads only),
    /// all within `within`. Each query passes `queries`, so the handle is not destroyed under it.
    private static func queryHighWatermarks(_ handle: RDKafkaHandle, _ queries: QueryGate, _ partitions: [TopicPartition],
                                            within: Duration) -> [TopicPartition: Int64] {
        let deadline = ContinuousClock.now + within
        var out: [TopicPartition: Int64] = [:]
        for tp in partitions {
            let remaining = Int32((deadline - .now).timeInterval * 1000)
            guard remaining > 0 else { break }
            var low: Int64 = -1
            var high: Int64 = -1
            let err = queries.run {
                rd_kafka_query_watermark_offsets(handle.pointer, tp.topic, tp.partition, &low, &high, remaining)
            } ?? RD_KAFKA_RESP_ERR__DESTROY
            if err == RD_KAFKA_RESP_ERR__DESTROY { break }
            if err.rawValue == 0 && high >= 0 { out[tp] = high }
        }
        return out
    }

    func setPaused(_ partitions: [TopicPartition], paused: Bool) {
        let flowPaused = shared.withLock { s in
            if paused { s.appPaused.formUnion(partitions) } else { s.appPaused.subtract(partitions) }
            return s.flowPaused
        }
        // While flow control holds everything paused, resuming waits for it to lift.
        if paused || !flowPaused { applyPause(partitions, paused: paused) }
    }

    private func applyPause(_ partitions: [TopicPartition], paused: Bool) {
        guard !partitions.isEmpty else { return }
        let list = PartitionList(partitions)
        let applied = alive.withLock { a -> Bool in
            guard a else { return false }
            if paused { rd_kafka_pause_partitions(handle.pointer, list.pointer) }
            else { rd_kafka_resume_partitions(handle.pointer, list.pointer) }
            return true
        }
        if applied && !paused { wakeFetchers(resumed: partitions) }
    }

    func lag() -> [TopicPartition: Int64] {
        let assigned = currentAssignment
        guard !assigned.isEmpty else { return [:] }
        let list = PartitionList(assigned)
        return alive.withLock { a in
            guard a else { return [:] }
            rd_kafka_position(handle.pointer, list.pointer)
            let positions = list.offsets()
            var out: [TopicPartition: Int64] = [:]
            for tp in assigned {
                var low: Int64 = -1
                var high: Int64 = -1
                guard rd_kafka_get_watermark_offsets(handle.pointer, tp.topic, tp.partition, &low, &high).rawValue == 0,
                      high >= 0 else { continue }
                let position = positions[tp].flatMap { $0 >= 0 ? $0 : nil } ?? max(low, 0)
                out[tp] = max(0, high - position)
            }
            return out
        }
    }

    func close(deadline: Duration) async -> Bool {
        let first = shared.withLock { s -> Bool in
            if s.stopping { return false }
            s.stopping = true
            return true
        }
        if first {
            failWaiters()
            alive.withLock { a in if a { rd_kafka_queue_yield(consumerQueue.pointer) } }
        }
        let closeDone = self.closeDone
        let ok = await DedicatedThread.run(name: "streamscore-consumer-close-wait", deadline: deadline) {
            closeDone.wait()
            closeDone.signal()  // let later callers see it too
            return true
        } ?? false
        if !ok { logger.warning("consumer did not close within \(deadline); abandoning it") }
        return ok
    }

    private func failWaiters() {
        let waiters = shared.withLock { s in
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.continuation.resume(returning: nil) }
    }

    // MARK: Polling thread

    private func pollLoop() {
        let rk = handle.pointer
        var polled: [UnsafeMutablePointer<rd_kafka_message_t>] = []
        polled.reserveCapacity(options.maxBatchMessages)
        let idleTimeout = Int32(options.pollTimeout.timeInterval * 1000)
        while !shared.withLock({ $0.stopping }) {
            let flowPaused = applyFlowControl()
            if stallDetector.observe(queueLength: Int(rd_kafka_queue_length(consumerQueue.pointer))) { wakeFetchers() }
            var message = rd_kafka_consumer_poll(rk, flowPaused ? 10 : idleTimeout)
            while let m = message {
                if m.pointee.err.rawValue == 0 {
                    if isRepeat(m) {
                        rd_kafka_message_destroy(m)
                    } else {
                        polled.append(m)
                    }
                } else {
                    logConsumeError(m)
                    rd_kafka_message_destroy(m)
                }
                if polled.count >= options.maxBatchMessages { break }
                message = rd_kafka_consumer_poll(rk, 0)
            }
            if !polled.isEmpty {
                publish(convertAndDestroy(polled))
                polled.removeAll(keepingCapacity: true)
            }
        }
        // Undelivered messages are dropped: their offsets were never stored, so they are read again.
        shared.withLock { $0.buffer.removeAll() }
        failWaiters()
        let err = rd_kafka_consumer_close(rk)
        if err.rawValue != 0 { logger.warning("consumer close: \(KafkaErrorCode(rawValue: err.rawValue).description)") }
        shared.withLock { $0.closed = true }
        alive.withLock { a in
            a = false
            rd_kafka_queue_destroy(consumerQueue.pointer)
        }
        if queries.closeAndWait(upTo: .seconds(5)) {
            rd_kafka_destroy(rk)
        } else {
            // Destroying the client under a running query would free memory it still uses.
            logger.warning("broker queries still running 5 s after close; abandoning the client without destroying it")
        }
        closeDone.signal()
    }

    /// Wakes the broker threads of the assigned partitions' leaders after the queue filled (see
    /// ``FetchStallDetector``), or of `resumed` partitions: a watermark query is a request to each
    /// partition's leader. librdkafka 2.0.2 also leaves a resumed partition unfetched until its
    /// broker thread next wakes, up to a second later: a resume op goes to the partition's own
    /// queue, which does not wake the thread.
    private func wakeFetchers(resumed: [TopicPartition]? = nil) {
        let partitions = resumed ?? shared.withLock { s in s.assignment.filter { !s.appPaused.contains($0) } }
        guard !partitions.isEmpty else { return }
        wakeups.withLock { $0 += 1 }
        logger.debug("\(resumed == nil ? "consumer queue drained after filling up" : "partitions resumed"): waking the fetchers of \(partitions.count) partition(s)")
        // A request that comes while a wake is running is not dropped: the running thread wakes
        // those partitions again when it is done (its own requests may have preceded the resume).
        let start = waking.withLock { w -> Bool in
            if w.running {
                w.next.formUnion(partitions)
                return false
            }
            w.running = true
            return true
        }
        guard start else { return }
        let handle = self.handle
        let queries = self.queries
        let waking = self.waking
        DedicatedThread.start(name: "streamscore-fetch-wake") {
            var batch = partitions
            while !batch.isEmpty {
                _ = Self.queryHighWatermarks(handle, queries, batch, within: .milliseconds(1500))
                batch = waking.withLock { w -> [TopicPartition] in
                    defer { w.next.removeAll() }
                    if w.next.isEmpty { w.running = false }
                    return Array(w.next)
                }
            }
        }
    }

    /// Whether `m` repeats a message already handed on (see `deliveredUpTo`); records it if not.
    private func isRepeat(_ m: UnsafeMutablePointer<rd_kafka_message_t>) -> Bool {
        let key = DeliveredKey(topic: UInt(bitPattern: m.pointee.rkt), partition: m.pointee.partition)
        let offset = m.pointee.offset
        if let next = deliveredUpTo[key], offset < next {
            repeatsDropped.withLock { $0 += 1 }
            logger.debug("dropped a repeated message at offset \(offset) of partition \(m.pointee.partition) (next is \(next))")
            return true
        }
        deliveredUpTo[key] = offset + 1
        return false
    }

    /// Messages librdkafka delivered again and the consumer dropped.
    var repeatedMessagesDropped: Int { repeatsDropped.withLock { $0 } }

    /// How often the fetchers were woken (after the queue filled up, or on a resume).
    var fetchWakeups: Int { wakeups.withLock { $0 } }

    /// When the buffer is full, waits for the application to drain half of it; after
    /// `stallPauseAfter` pauses everything (to keep serving group events) until it has.
    private func applyFlowControl() -> Bool {
        enum Action { case none, pause([TopicPartition]), resume([TopicPartition]) }
        let limit = options.maxBufferedMessages
        let mustWait = shared.withLock { s -> Bool in
            guard !s.flowPaused, !s.stopping, s.buffer.count >= limit else { return false }
            s.pollWaitingForDrain = true
            return true
        }
        if mustWait {
            // Re-check the condition on every wake-up, so a stray signal only costs a loop turn.
            let deadline = ContinuousClock.now + options.stallPauseAfter
            while ContinuousClock.now < deadline {
                let keepWaiting = shared.withLock { s -> Bool in
                    let waiting = !s.stopping && s.buffer.count > limit / 2
                    s.pollWaitingForDrain = waiting
                    return waiting
                }
                if !keepWaiting { break }
                _ = drained.wait(timeout: .now() + 0.05)
            }
            shared.withLock { $0.pollWaitingForDrain = false }
        }
        let (action, paused): (Action, Bool) = shared.withLock { s in
            if !s.flowPaused && s.buffer.count > limit / 2 && mustWait {
                s.flowPaused = true
                return (.pause(s.assignment), true)
            }
            if s.flowPaused && s.buffer.count <= limit / 2 {
                s.flowPaused = false
                return (.resume(s.assignment.filter { !s.appPaused.contains($0) }), false)
            }
            return (.none, s.flowPaused)
        }
        switch action {
        case .none: break
        case .pause(let tps): applyPause(tps, paused: true)
        case .resume(let tps): applyPause(tps, paused: false)
        }
        return paused
    }

    private func publish(_ chunk: [KafkaMessage]) {
        let handoff: (CheckedContinuation<[KafkaMessage]?, Never>, [KafkaMessage])? = shared.withLock { s in
            s.buffer.append(chunk)
            guard !s.waiters.isEmpty else { return nil }
            let waiter = s.waiters.removeFirst()
            return (waiter.continuation, s.buffer.take(waiter.max))
        }
        if let (c, batch) = handoff { c.resume(returning: batch) }
    }

    private func logConsumeError(_ pointer: UnsafeMutablePointer<rd_kafka_message_t>) {
        let err = pointer.pointee.err
        guard err != RD_KAFKA_RESP_ERR__PARTITION_EOF else { return }
        let text = rd_kafka_message_errstr(pointer).map { String(cString: $0) } ?? ""
        logger.warning("consume error \(KafkaErrorCode(rawValue: err.rawValue).name): \(text)")
    }

    /// Copies one poll's messages into Swift values, their keys and values into one shared
    /// buffer, and destroys the librdkafka messages.
    private func convertAndDestroy(_ polled: [UnsafeMutablePointer<rd_kafka_message_t>]) -> [KafkaMessage] {
        var total = 0
        for p in polled { total += p.pointee.len + (p.pointee.key == nil ? 0 : p.pointee.key_len) }
        let buffer = [UInt8](unsafeUninitializedCapacity: total) { out, initialized in
            var at = 0
            for p in polled {
                if let key = p.pointee.key, p.pointee.key_len > 0 {
                    (out.baseAddress! + at).initialize(from: key.assumingMemoryBound(to: UInt8.self), count: p.pointee.key_len)
                    at += p.pointee.key_len
                }
                if let payload = p.pointee.payload, p.pointee.len > 0 {
                    (out.baseAddress! + at).initialize(from: payload.assumingMemoryBound(to: UInt8.self), count: p.pointee.len)
                    at += p.pointee.len
                }
            }
            initialized = at
        }
        var messages: [KafkaMessage] = []
        messages.reserveCapacity(polled.count)
        var at = 0
        for p in polled {
            let m = p.pointee
            var key: ArraySlice<UInt8>?
            if m.key != nil {
                key = buffer[at..<at + m.key_len]
                at += m.key_len
            }
            let valueLength = m.payload == nil ? 0 : m.len
            let value = buffer[at..<at + valueLength]
            at += valueLength
            stallDetector.noteMessage(bytes: valueLength + (key?.count ?? 0))
            var tsType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
            let ts = rd_kafka_message_timestamp(p, &tsType)
            messages.append(KafkaMessage(topic: topicName(m.rkt), partition: m.partition, offset: m.offset,
                                         timestamp: tsType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : ts,
                                         key: key, value: value, headers: headers(of: p)))
            rd_kafka_message_destroy(p)
        }
        return messages
    }

    private func topicName(_ rkt: OpaquePointer?) -> String {
        guard let rkt else { return "" }
        if let last = lastTopic, last.rkt == rkt { return last.name }
        let name: String
        if let known = topicNames[rkt] {
            name = known
        } else {
            name = String(cString: rd_kafka_topic_name(rkt))
            topicNames[rkt] = name
        }
        lastTopic = (rkt, name)
        return name
    }

    private func headers(of pointer: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var hdrs: OpaquePointer? = nil
        guard rd_kafka_message_headers(pointer, &hdrs).rawValue == 0, let hdrs else { return [] }
        var headers: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>? = nil
        var value: UnsafeRawPointer? = nil
        var size = 0
        while rd_kafka_header_get_all(hdrs, index, &name, &value, &size).rawValue == 0 {
            let v: [UInt8]? = value.map { bytes(UnsafeMutableRawPointer(mutating: $0), size) }
            headers.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: v))
            index += 1
        }
        return headers
    }

    // MARK: Rebalance (runs on the polling thread, inside rd_kafka_consumer_poll or close)

    fileprivate func rebalance(err: rd_kafka_resp_err_t, partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let rk = handle.pointer
        // A new assignment starts from the committed offsets, which may be behind what this
        // member handed on before: those messages are not repeats.
        deliveredUpTo.removeAll()
        let tps = partitions.map { PartitionList.topicPartitions(of: $0) } ?? []
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            if cooperative { rd_kafka_error_destroy(rd_kafka_incremental_assign(rk, partitions)) }
            else { rd_kafka_assign(rk, partitions) }
            shared.withLock { s in
                if cooperative { s.assignment += tps } else { s.assignment = tps }
                s.flowPaused = false
            }
            logger.info("assigned \(tps.count) partition(s): \(tps.map(\.description).joined(separator: ", "))")
            runHandler(.assigned(tps))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let revoked = Set(tps)
            shared.withLock { s in
                s.buffer.removeAll { revoked.contains($0.topicPartition) }
            }
            runHandler(.revoked(tps))
            let commitErr = rd_kafka_commit(rk, nil, 0)
            if commitErr.rawValue != 0 && commitErr != RD_KAFKA_RESP_ERR__NO_OFFSET {
                logger.warning("commit on revoke failed: \(KafkaErrorCode(rawValue: commitErr.rawValue).description)")
            }
            if cooperative { rd_kafka_error_destroy(rd_kafka_incremental_unassign(rk, partitions)) }
            else { rd_kafka_assign(rk, nil) }
            shared.withLock { s in
                s.assignment.removeAll { revoked.contains($0) }
                s.appPaused.subtract(revoked)
            }
            logger.info("revoked \(tps.count) partition(s)")
        default:
            logger.warning("rebalance error: \(KafkaErrorCode(rawValue: err.rawValue).description)")
            rd_kafka_assign(rk, nil)
            shared.withLock { $0.assignment = [] }
        }
    }

    private func runHandler(_ event: RebalanceEvent) {
        guard let handler = rebalanceHandler else { return }
        let done = DispatchSemaphore(value: 0)
        Task {
            await handler(event)
            done.signal()
        }
        if done.wait(timeout: .now() + options.rebalanceTimeout.timeInterval) == .timedOut {
            logger.warning("rebalance handler did not finish within \(options.rebalanceTimeout); continuing")
        }
    }
}

/// Lets calls that wait for the broker run without a lock, and lets destroy wait for them: after
/// ``closeAndWait(upTo:)`` no call starts.
final class QueryGate: Sendable {
    private let state = Locked<(running: Int, closed: Bool)>((0, false))

    /// Runs `body` unless the gate is closed (then returns `nil`).
    func run<R>(_ body: () -> R) -> R? {
        let entered = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.running += 1
            return true
        }
        guard entered else { return nil }
        defer { state.withLock { $0.running -= 1 } }
        return body()
    }

    /// Closes the gate and waits for running calls to finish; `false` if some still run at the deadline.
    func closeAndWait(upTo deadline: Duration) -> Bool {
        state.withLock { $0.closed = true }
        let end = ContinuousClock.now + deadline
        while state.withLock({ $0.running > 0 }) {
            if ContinuousClock.now >= end { return false }
            Thread.sleep(forTimeInterval: 0.005)
        }
        return true
    }
}
