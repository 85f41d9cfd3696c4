import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import StreamScoreContract
import StreamScoreKafka
import StreamScoreModel

/// A scoring worker: consume → decode → batch → infer → encode → produce → store offsets.
///
/// - Batches close at `maxBatchRows` records or `maxBatchDelay`, and up to `lanes` batches are
///   scored at once; a sequencer publishes them in consumption order, so each partition's
///   predictions leave in input order.
/// - A record's offset is stored only after its output is acknowledged, in partition order.
/// - Rows in flight are bounded by `maxInflightRows`: past it the worker pauses its partitions.
/// - On graceful shutdown or cancellation it stops fetching, drains, commits and leaves the group
///   within `shutdownTimeout`; on revoke it finishes the revoked partitions' work first.
public final class Worker: Service, Sendable {
    public let configuration: WorkerConfiguration
    private let logger: Logger
    private let modelRegistry: ModelRegistry
    private let watcher: ModelWatcher
    private let control: ControlFollower?
    private let startupEvents: Locked<[ModelWatcher.Event]>
    private let processor: BatchProcessor
    private let tracker = OffsetTracker()
    private let metrics: WorkerMetrics
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let lanes: AsyncLimiter
    private let sequencer: Sequencer
    private let state = Locked(RunState())
    private let deliveryFailure = Locked<KafkaError?>(nil)
    private let lastWindow = Locked<MetricsRecord?>(nil)
    private let latestDriftRecords = Locked<[String: DriftRecord]>([:])

    private struct RunState {
        var stopping = false
        var ready = false
        var paused = false
        var dispatched = 0
        var firstConsume: ContinuousClock.Instant?
        var published = 0
        var capacityWaiter: CheckedContinuation<Void, Never>?
        var publishedWaiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Loads the models and connects to Kafka. Throws on a bad model store or Kafka configuration.
    public init(configuration: WorkerConfiguration, logger: Logger = Logger(label: "streamscore.worker"),
                registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) throws {
        self.configuration = configuration
        self.logger = logger
        var pins = configuration.pins
        if let version = configuration.defaultModelVersion { pins[configuration.defaultModel] = version }
        var initial = ModelSet(defaultModel: configuration.defaultModel)
        for (name, version) in pins {
            var policy = RoutingPolicy()
            policy.serve = .version(version)
            initial.setPolicy(policy, for: name)
        }
        let models = ModelRegistry(initial)
        modelRegistry = models
        watcher = ModelWatcher(directory: configuration.modelsDirectory, registry: models, logger: logger)
        let events = watcher.scan()
        let loaded = models.current
        let refusals = events.filter { $0.kind == .refused }.map { "\($0.model) \($0.version ?? ""): \($0.reason)" }
        guard !loaded.orderedVersions(of: configuration.defaultModel).isEmpty else {
            throw ModelError.store("default model '\(configuration.defaultModel)' has no valid version in \(configuration.modelsDirectory)"
                + " (loaded: \(loaded.summary.keys.sorted().joined(separator: ", ")))"
                + (refusals.isEmpty ? "" : "; refused: \(refusals.joined(separator: "; "))"))
        }
        for (name, version) in pins where !loaded.orderedVersions(of: name).contains(version) {
            throw ModelError.store("model '\(name)' has no version \(version)")
        }
        startupEvents = Locked(events.filter { $0.kind != .loaded })
        processor = BatchProcessor(configuration: configuration, registry: models,
                                   drift: DriftMonitor(configuration: configuration))
        metrics = WorkerMetrics(registry: registry)
        metrics.setModels(loaded.summary)
        lanes = AsyncLimiter(limit: max(1, configuration.lanes))

        var producerConfig = KafkaConfiguration(bootstrapServers: configuration.brokers)
        producerConfig.clientID = "streamscore-worker-\(configuration.workerID)"
        producerConfig.lingerMs = 2
        producerConfig.maxQueuedMessages = max(100_000, configuration.maxInflightRows * 2)
        producerConfig.properties = configuration.kafkaProperties.filter { !Self.consumerOnly.contains($0.key) }
        var consumerConfig = KafkaConfiguration(bootstrapServers: configuration.brokers, groupID: configuration.group)
        consumerConfig.clientID = producerConfig.clientID
        // A short fetch wait keeps latency low at low rates: librdkafka's mock cluster answers an
        // empty fetch only after fetch.wait.max.ms (default 500 ms). Override with --kafka.
        consumerConfig.properties = ["queued.max.messages.kbytes": "16384", "fetch.wait.max.ms": "10"]
            .merging(configuration.kafkaProperties.filter { !Self.producerOnly.contains($0.key) }) { _, user in user }
        var options = ConsumerOptions()
        options.maxBufferedMessages = max(1000, min(20_000, configuration.maxInflightRows))
        options.maxBatchMessages = max(64, configuration.maxBatchRows)
        options.rebalanceTimeout = configuration.shutdownTimeout

        let tracker = self.tracker
        let failure = deliveryFailure
        let consumerBox = Locked<KafkaConsumer?>(nil)
        let stateRef = state
        let log = logger
        producer = try KafkaProducer(configuration: producerConfig, logger: logger) { reports in
            var acked: [UInt64] = []
            acked.reserveCapacity(reports.count)
            for r in reports where r.token != BatchOutputs.untracked {
                if let error = r.error {
                    failure.withLock { if $0 == nil { $0 = error } }
                    log.error("delivery failed after librdkafka's retries: \(error); stopping without storing its offset")
                } else {
                    acked.append(r.token)
                }
            }
            let store = tracker.acknowledge(acked)
            log.trace("delivery: \(reports.count) report(s), \(acked.count) acked, storing \(store.count)")
            if !store.isEmpty, let consumer = consumerBox.withLock({ $0 }) {
                try? consumer.storeOffsets(store)
            }
            let waiter = stateRef.withLock { s -> CheckedContinuation<Void, Never>? in
                guard s.capacityWaiter != nil, tracker.inflightRows < configuration.maxInflightRows / 2 else { return nil }
                defer { s.capacityWaiter = nil }
                return s.capacityWaiter
            }
            waiter?.resume()
        }
        sequencer = Sequencer(producer: producer, metrics: metrics)
        if let topic = configuration.controlTopic {
            var readerConfig = KafkaConfiguration(bootstrapServers: configuration.brokers)
            readerConfig.clientID = producerConfig.clientID
            readerConfig.properties = consumerConfig.properties
            control = try ControlFollower(configuration: readerConfig, topic: topic, registry: models, logger: logger)
        } else {
            control = nil
        }
        let handlerBox = Locked<(@Sendable (RebalanceEvent) async -> Void)?>(nil)
        consumer = try KafkaConsumer(configuration: consumerConfig, topics: [configuration.inputTopic], options: options,
                                     logger: logger) { event in
            await handlerBox.withLock { $0 }?(event)
        }
        consumerBox.withLock { $0 = consumer }
        handlerBox.withLock { $0 = { [weak self] event in await self?.rebalanced(event) } }
    }

    static let consumerOnly: Set<String> = ["group.id", "auto.offset.reset", "session.timeout.ms", "max.poll.interval.ms",
                                            "fetch.wait.max.ms", "fetch.min.bytes", "queued.max.messages.kbytes",
                                            "queued.min.messages", "enable.auto.commit", "auto.commit.interval.ms",
                                            "partition.assignment.strategy", "heartbeat.interval.ms", "fetch.max.bytes",
                                            "max.partition.fetch.bytes", "group.instance.id"]
    static let producerOnly: Set<String> = ["linger.ms", "queue.buffering.max.ms", "batch.num.messages", "batch.size",
                                            "acks", "request.required.acks", "compression.codec", "compression.type",
                                            "message.timeout.ms", "queue.buffering.max.messages", "enable.idempotence",
                                            "queue.buffering.max.kbytes", "retries", "message.send.max.retries"]

    /// The models served by default, name → version.
    public var servedModels: [String: String] { modelRegistry.current.summary }

    /// How each model routes records: loaded versions, pin, canary and shadow.
    public var modelRouting: [String: ModelRouting] { modelRegistry.current.routing }

    /// `true` once the worker has joined its group.
    public var isReady: Bool { state.withLock { $0.ready && !$0.stopping } }

    /// Input partitions currently assigned to this worker.
    public var assignedPartitions: Int { consumer.assignment.count }

    /// Rows consumed and not yet acknowledged.
    public var inflightRows: Int { tracker.inflightRows }

    /// Latency and batching figures since start.
    public var summary: WorkerSummary { metrics.summarySinceStart() }

    /// When the first record was consumed, and how many records' outputs are acknowledged.
    public var progress: (firstConsume: ContinuousClock.Instant?, acknowledged: Int) {
        (state.withLock { $0.firstConsume }, tracker.acknowledgedRecords)
    }

    /// The most recent closed drift window of each model.
    public var latestDrift: [String: DriftRecord] { latestDriftRecords.withLock { $0 } }

    /// The most recent metrics window (as produced to the metrics topic).
    public var latestMetrics: MetricsRecord? { lastWindow.withLock { $0 } }

    /// The Prometheus registry holding this worker's metrics.
    public var registry: PrometheusCollectorRegistry { metrics.registry }

    /// Runs until graceful shutdown or cancellation, then drains and leaves the group.
    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await runPipeline()
            } onCancel: {
                self.requestStop()
            }
        } onGracefulShutdown: {
            self.requestStop()
        }
    }

    /// Asks the pipeline to stop fetching and drain.
    public func requestStop() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.stopping = true
            defer { s.capacityWaiter = nil }
            return s.capacityWaiter
        }
        waiter?.resume()
    }

    private func runPipeline() async throws {
        publish(startupEvents.withLock { $0 })
        if let control {
            let (applied, complete) = await control.catchUp(timeout: configuration.controlCatchUpTimeout)
            if complete {
                logger.info("control: replayed \(applied) command(s) from \(control.topic)",
                            metadata: ["serving": "\(modelRegistry.current.summary)"])
            } else {
                logger.warning("control: could not replay \(control.topic) within \(configuration.controlCatchUpTimeout); scoring with \(applied) command(s) applied and following the rest")
            }
            metrics.setModels(modelRegistry.current.summary)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.metricsLoop() }
            if let interval = configuration.modelPollInterval {
                group.addTask { try await self.watchModels(every: interval) }
            }
            if let control {
                group.addTask { await control.follow { self.publish([$0]) } }
            }
            try await intakeLoop()
            group.cancelAll()
            await control?.close()
        }
        try await shutdown()
        if let failure = deliveryFailure.withLock({ $0 }) { throw failure }
    }

    // MARK: Intake

    private var shouldStop: Bool {
        state.withLock { $0.stopping } || deliveryFailure.withLock { $0 != nil }
    }

    private func intakeLoop() async throws {
        var pending = PendingBatch()
        var firstArrival = ContinuousClock.now
        let maxRows = max(1, configuration.maxBatchRows)
        while !shouldStop {
            try await waitForCapacity()
            if shouldStop { break }
            let timeout: Duration = pending.isEmpty
                ? .milliseconds(200)
                : max(.microseconds(50), configuration.maxBatchDelay - (ContinuousClock.now - firstArrival))
            // Ask for a whole batch: the consumer hands over its polled chunks whole when they fit,
            // so a chunk is never split between two batches (nor its messages copied).
            guard let messages = await consumer.nextBatch(maxMessages: maxRows, timeout: timeout) else { break }
            logger.trace("intake: \(messages.count) message(s), \(pending.count) pending, inflight \(tracker.inflightRows)")
            if !messages.isEmpty {
                if pending.count + messages.count > maxRows {
                    await dispatch(pending)
                    pending = PendingBatch()
                }
                let now = ContinuousClock.now
                if pending.isEmpty { firstArrival = now }
                state.withLock { s in if s.firstConsume == nil { s.firstConsume = now } }
                let tokens = tracker.register(messages.map { ($0.topicPartition, $0.offset) })
                pending.append(messages, tokens: tokens, arrival: now)
            }
            if !pending.isEmpty
                && (pending.count >= maxRows || ContinuousClock.now - firstArrival >= configuration.maxBatchDelay) {
                await dispatch(pending)
                pending = PendingBatch()
            }
        }
        if !pending.isEmpty { await dispatch(pending) }
    }

    /// Pauses the partitions while too many rows are in flight, and resumes them afterwards.
    private func waitForCapacity() async throws {
        guard tracker.inflightRows >= configuration.maxInflightRows else { return }
        let assignment = consumer.assignment
        consumer.pause(assignment)
        state.withLock { $0.paused = true }
        metrics.setInflight(tracker.inflightRows)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s -> Bool in
                if s.stopping || tracker.inflightRows < configuration.maxInflightRows / 2 { return true }
                s.capacityWaiter = c
                return false
            }
            if resumeNow { c.resume() }
        }
        consumer.resume(consumer.assignment)
        state.withLock { $0.paused = false }
    }

    private func dispatch(_ batch: PendingBatch) async {
        await lanes.acquire()
        let seq = state.withLock { s -> Int in
            defer { s.dispatched += 1 }
            return s.dispatched
        }
        logger.trace("dispatch: batch \(seq) of \(batch.count)")
        Task {
            let (outputs, timings) = processor.process(batch)
            logger.trace("processed: batch \(seq)")
            metrics.recordBatch(timings, records: batch.count)
            if !timings.drift.isEmpty { publish(timings.drift) }
            lanes.release()
            tracker.noteRows(outputs.multiRow)
            await sequencer.submit(seq: seq, outputs: outputs)
            logger.trace("submitted: batch \(seq)")
            let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.published = sequencer.publishedCount
                defer { s.publishedWaiters.removeAll() }
                return s.publishedWaiters
            }
            for w in waiters { w.resume() }
        }
    }

    // MARK: Draining

    /// Waits until every dispatched batch is published and acknowledged, or the deadline passes.
    private func drain(partitions: [TopicPartition]?, deadline: ContinuousClock.Instant) async -> Bool {
        while ContinuousClock.now < deadline {
            let allPublished = state.withLock { $0.dispatched } == sequencer.publishedCount
            if allPublished && tracker.pendingCount(partitions) == 0 { return true }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    private func rebalanced(_ event: RebalanceEvent) async {
        switch event {
        case .assigned(let partitions):
            state.withLock { $0.ready = true }
            logger.info("assigned \(partitions.count) partition(s)")
        case .revoked(let partitions):
            // Records already handed to the pipeline finish and are stored before the revoke completes.
            let drained = await drain(partitions: partitions, deadline: .now + configuration.shutdownTimeout)
            if !drained { logger.warning("revoke: in-flight work for \(partitions.count) partition(s) did not finish in time") }
            tracker.forget(partitions)
        }
    }

    private func shutdown() async throws {
        let deadline = ContinuousClock.now + configuration.shutdownTimeout
        let drained = await drain(partitions: nil, deadline: deadline)
        if !drained { logger.warning("shutdown: in-flight work did not finish within \(configuration.shutdownTimeout)") }
        let remaining = max(.milliseconds(500), deadline - .now)
        let closed = await consumer.close(deadline: remaining)
        let flushed = await producer.close(deadline: max(.milliseconds(500), deadline - .now))
        logger.info("worker stopped", metadata: ["drained": "\(drained)", "consumer_closed": "\(closed)",
                                                  "producer_flushed": "\(flushed)"])
    }

    // MARK: Models

    /// Scans the model directory every `interval` (in the background: loading and validating a
    /// version never holds up scoring).
    private func watchModels(every interval: Duration) async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: interval)
            let events = watcher.scan()
            if !events.isEmpty { publish(events) }
        }
    }

    /// Logs, counts and produces model events to the metrics topic.
    private func publish(_ events: [ModelWatcher.Event]) {
        guard !events.isEmpty else { return }
        let models = modelRegistry.current
        metrics.setModels(models.summary)
        for event in events {
            let record = ModelEventRecord(worker: configuration.workerID, timeMs: epochMilliseconds(), model: event.model,
                                          version: event.version, event: event.kind, reason: event.reason,
                                          serving: models.summary[event.model])
            let metadata: Logger.Metadata = ["model": "\(event.model)", "version": "\(event.version ?? "-")",
                                             "serving": "\(record.serving ?? "-")"]
            switch event.kind {
            case .refused, .rejected: logger.warning("model \(event.kind.rawValue): \(event.reason)", metadata: metadata)
            default: logger.info("model \(event.kind.rawValue): \(event.reason)", metadata: metadata)
            }
            metrics.countModelEvent(event.kind.rawValue, model: event.model)
            Task { await self.produceToMetricsTopic(record) }
        }
    }

    /// Records closed drift windows: Prometheus gauges, the metrics topic, ``latestDrift``.
    private func publish(_ records: [DriftRecord]) {
        for record in records {
            metrics.recordDrift(record)
            latestDriftRecords.withLock { $0[record.model] = record }
            let flagged = record.driftedFeatures
            if !flagged.isEmpty {
                logger.warning("drift: model \(record.model) \(record.version): \(flagged.map { "\($0.feature) PSI \(String(format: "%.3f", $0.psi))" }.joined(separator: ", ")) over \(record.rows) rows")
            }
            Task { await self.produceToMetricsTopic(record) }
        }
    }

    /// Produces a metrics-topic record (JSON, sorted keys) keyed by the worker id; best effort,
    /// like every metrics-topic record, so it holds back no offsets.
    private func produceToMetricsTopic(_ record: some Encodable & Sendable) async {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(record) else { return }
        try? await producer.enqueue(topic: configuration.metricsTopic, key: Array(configuration.workerID.utf8),
                                    value: Array(data), token: BatchOutputs.untracked)
    }

    // MARK: Metrics

    private func metricsLoop() async throws {
        while !Task.isCancelled {
            try await Task.sleep(for: configuration.metricsInterval)
            let lag = consumer.lag()
            metrics.setLag(lag)
            metrics.setInflight(tracker.inflightRows)
            let models = modelRegistry.current
            let record = metrics.closeWindow(worker: configuration.workerID, lag: lag, inflightRows: tracker.inflightRows,
                                             models: models.summary, routing: models.routing)
            lastWindow.withLock { $0 = record }
            await produceToMetricsTopic(record)
        }
    }
}
