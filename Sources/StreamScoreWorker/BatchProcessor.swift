import StreamScoreContract
import StreamScoreKafka
import StreamScoreModel

/// Scores one batch: decodes every record straight into its model's input matrix, runs each
/// model once, and encodes one output per record (a prediction, or a dead letter with its
/// reason) into one shared buffer. A bad record never affects the others.
struct BatchProcessor: Sendable {
    let configuration: WorkerConfiguration
    let registry: ModelRegistry
    let drift: DriftMonitor
    let parser = FeatureRecordParser()
    /// `,"source":{"topic":"<input topic>","partition":`, which nearly every prediction carries.
    let encodedInputSource: [UInt8]
    /// `},"worker":"<worker id>"}`, how every prediction ends.
    let encodedEnd: [UInt8]

    init(configuration: WorkerConfiguration, registry: ModelRegistry, drift: DriftMonitor) {
        self.configuration = configuration
        self.registry = registry
        self.drift = drift
        var source = JSONWriter(capacity: 64)
        Self.writeSourceStart(&source, topic: configuration.inputTopic)
        encodedInputSource = source.bytes
        var end = JSONWriter(capacity: 64)
        end.raw("},\"worker\":")
        end.string(configuration.workerID)
        end.byte(UInt8(ascii: "}"))
        encodedEnd = end.bytes
    }

    /// Per-batch timings for metrics.
    struct Timings: Sendable {
        var queueMicros: [Int64] = []
        var inferenceMicros: [Int64] = []
        var rows = 0
        var dead: [DeadLetterCode] = []
        var scoredByModel: [String: Int] = [:]
        /// Shadow predictions by "model/version", and shadow records the shadow model could not score.
        var shadowByModel: [String: Int] = [:]
        var shadowFailures = 0
        /// Drift windows that closed with this batch.
        var drift: [DriftRecord] = []
    }

    /// Records routed to one model, assembled into its input matrix as they are decoded.
    struct ModelGroup {
        let model: ServedModel
        var assembler: FeatureAssembler
        var items: [Item] = []
    }

    /// A decoded record and its rows in its group's matrix.
    struct Item {
        var index: Int
        /// The record id from the full parser.
        var id: String? = nil
        /// The id's text in the record value (offsets from its start), from the fast path.
        var idText: Range<Int>? = nil
        var isMultiRow: Bool
        var rows: Range<Int>
        /// The shadow model and the parsed record, for records that are also shadow-scored.
        var shadow: (model: ServedModel, record: FeatureRecord)? = nil
    }

    func process(_ batch: PendingBatch) -> (outputs: BatchOutputs, timings: Timings) {
        batch.withRecords { process($0) }
    }

    private func process(_ batch: PendingRecords) -> (outputs: BatchOutputs, timings: Timings) {
        var builder = OutputBuilder(inputs: batch.count)
        var timings = Timings()
        let started = ContinuousClock.now
        let nowMs = epochMilliseconds()
        // One snapshot for the whole batch: a model swap never changes a batch in flight.
        let models = registry.current
        var groups: [ModelGroup] = []
        // Records without headers all take the default route unless a canary splits it by key:
        // resolve it once for the batch.
        var defaultGroup: Int?
        if let route = models.fixedDefaultRoute, route.shadow == nil {
            defaultGroup = Self.groupIndex(for: route.model, in: &groups, capacity: configuration.maxBatchRows)
        }
        var queued = ElapsedSince(until: started)
        timings.queueMicros.reserveCapacity(batch.count)
        for i in 0..<batch.count {
            timings.queueMicros.append(Int64(queued.milliseconds(from: batch.arrivals[i]) * 1000))
            do {
                try decode(batch.messages.baseAddress! + i, index: i, models: models, defaultGroup: defaultGroup,
                           nowMs: nowMs, into: &groups)
            } catch {
                appendDeadLetter(batch.messages[i], input: i, token: batch.tokens[i], arrival: batch.arrivals[i], error,
                                 into: &builder)
                timings.dead.append(error.code)
            }
        }

        var shadowed: [Item] = []
        for group in groups where !group.items.isEmpty {
            let model = group.model
            let inferenceStart = ContinuousClock.now
            let features = group.assembler.batch()
            let scored: ScoreBatch
            do {
                scored = try model.model.score(features)
            } catch {
                let rejection = RecordRejection(.inferenceFailed, "\(error)")
                for item in group.items {
                    appendDeadLetter(batch.messages[item.index], input: item.index, token: batch.tokens[item.index],
                                     arrival: batch.arrivals[item.index], rejection, into: &builder)
                    timings.dead.append(.inferenceFailed)
                }
                continue
            }
            let inferenceMs = (ContinuousClock.now - inferenceStart).milliseconds
            timings.inferenceMicros.append(Int64(inferenceMs * 1000))
            timings.rows += scored.rowCount
            timings.scoredByModel[model.name, default: 0] += group.items.count
            timings.drift += drift.observe(model: model, batch: features, scored: scored, nowMs: nowMs,
                                           worker: configuration.workerID)
            var waited = ElapsedSince(until: inferenceStart)
            var pass = EncodingPass()
            for item in group.items {
                let queuedMs = waited.milliseconds(from: batch.arrivals[item.index])
                appendPrediction(batch.messages.baseAddress! + item.index, token: batch.tokens[item.index],
                                 arrival: batch.arrivals[item.index], item, model: model, scored: scored, queuedMs: queuedMs,
                                 inferenceMs: inferenceMs, pass: &pass, shadow: false, into: &builder)
                if item.shadow != nil { shadowed.append(item) }
            }
        }
        if !shadowed.isEmpty { appendShadowPredictions(shadowed, batch: batch, timings: &timings, into: &builder) }
        return (builder.finish(), timings)
    }

    /// Scores records again with their shadow model; the predictions go to the shadow topic
    /// (best effort: untracked, and a record the shadow model cannot score is only counted).
    private func appendShadowPredictions(_ items: [Item], batch: PendingRecords, timings: inout Timings,
                                         into builder: inout OutputBuilder) {
        var groups: [ModelGroup] = []
        for item in items {
            guard let (model, record) = item.shadow else { continue }
            let g = Self.groupIndex(for: model, in: &groups, capacity: items.count)
            do {
                let rows = try groups[g].assembler.append(record.rows)
                groups[g].items.append(Item(index: item.index, id: item.id, idText: item.idText, isMultiRow: item.isMultiRow,
                                            rows: rows))
            } catch {
                timings.shadowFailures += 1
            }
        }
        for group in groups where !group.items.isEmpty {
            let started = ContinuousClock.now
            guard let scored = try? group.model.model.score(group.assembler.batch()) else {
                timings.shadowFailures += group.items.count
                continue
            }
            let inferenceMs = (ContinuousClock.now - started).milliseconds
            var waited = ElapsedSince(until: started)
            var pass = EncodingPass()
            for item in group.items {
                appendPrediction(batch.messages.baseAddress! + item.index, token: BatchOutputs.untracked,
                                 arrival: batch.arrivals[item.index],
                                 item, model: group.model, scored: scored,
                                 queuedMs: waited.milliseconds(from: batch.arrivals[item.index]), inferenceMs: inferenceMs,
                                 pass: &pass, shadow: true, into: &builder)
            }
            timings.shadowByModel["\(group.model.name)/\(group.model.version)", default: 0] += group.items.count
        }
    }

    /// The index of `model`'s group, added if new (a batch has few groups, most often one).
    private static func groupIndex(for model: ServedModel, in groups: inout [ModelGroup], capacity: Int) -> Int {
        if let last = groups.indices.last, groups[last].model === model { return last }
        if let found = groups.firstIndex(where: { $0.model === model }) { return found }
        var group = ModelGroup(model: model, assembler: FeatureAssembler(schema: model, capacityRows: capacity))
        group.items.reserveCapacity(capacity)
        groups.append(group)
        return groups.count - 1
    }

    // MARK: Decoding

    /// Checks a record, routes it, and appends its rows to its model's group.
    /// The message is read in place (through a pointer into the batch): the common record is
    /// decoded without copying it.
    private func decode(_ pointer: UnsafePointer<KafkaMessage>, index: Int, models: ModelSet, defaultGroup: Int?,
                        nowMs: Int64, into groups: inout [ModelGroup]) throws(RecordRejection) {
        let size = pointer.pointee.value.count
        if size == 0 { throw RecordRejection(.empty, "the record value is empty") }
        if size > configuration.maxRecordBytes {
            throw RecordRejection(.tooLarge, "the record is \(size) bytes; the limit is \(configuration.maxRecordBytes)")
        }
        // Records without headers take the batch's fixed default route; the others are routed by
        // their headers and key.
        let g: Int
        var shadow: ServedModel?
        if pointer.pointee.headers.isEmpty, let fixed = defaultGroup {
            g = fixed
        } else {
            let route = try self.route(pointer.pointee, models: models, nowMs: nowMs)
            g = Self.groupIndex(for: route.model, in: &groups, capacity: configuration.maxBatchRows)
            shadow = route.shadow
        }
        // The common all-numbers shape skips the generic parse; anything else, or anything the
        // model would reject, takes the full path below, which gives the exact reason.
        if shadow == nil, let fast = groups[g].assembler.appendNumeric(pointer.pointee.value, parser: parser) {
            groups[g].items.append(Item(index: index, idText: fast.id, isMultiRow: false, rows: fast.rows))
            return
        }
        let record = try parser.parse(pointer.pointee.value)
        let rows = try groups[g].assembler.append(record.rows)
        groups[g].items.append(Item(index: index, id: record.id, isMultiRow: record.isMultiRow, rows: rows,
                                    shadow: shadow.map { ($0, record) }))
    }

    /// The models for a record, by its `deadline-ms`, `model` and `model-version` headers and key.
    private func route(_ message: KafkaMessage, models: ModelSet, nowMs: Int64) throws(RecordRejection) -> ModelRoute {
        if let deadline = message.headers.string(named: HeaderName.deadlineMs) {
            guard let ms = Int64(deadline) else {
                throw RecordRejection(.invalidRecord, "header deadline-ms is not epoch milliseconds: '\(deadline)'")
            }
            if ms < nowMs { throw RecordRejection(.expired, "the deadline passed \(nowMs - ms) ms before scoring") }
        }
        return try models.resolve(name: message.headers.string(named: HeaderName.model),
                                  version: message.headers.string(named: HeaderName.modelVersion),
                                  key: message.key, fallbackKey: message.offset ^ (Int64(message.partition) << 48))
    }
}
