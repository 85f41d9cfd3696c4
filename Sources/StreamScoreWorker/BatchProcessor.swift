import StreamScoreContract
import StreamScoreKafka
import StreamScoreModel

/// Scores one batch: decodes every record, groups rows by model, runs each model once, and
/// encodes one output per record (a prediction, or a dead letter with its reason). A bad record
/// never affects the others.
struct BatchProcessor: Sendable {
    let configuration: WorkerConfiguration
    let registry: ModelRegistry
    let drift: DriftMonitor
    let parser = FeatureRecordParser()

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

    private struct Decoded {
        var index: Int
        var record: FeatureRecord
        var model: ServedModel
        var shadow: ServedModel?
    }

    func process(_ batch: [PendingRecord]) -> (outputs: [OutputRecord], timings: Timings) {
        var outputs = [OutputRecord?](repeating: nil, count: batch.count)
        var extras: [OutputRecord] = []
        var timings = Timings()
        let started = ContinuousClock.now
        let nowMs = epochMilliseconds()
        // One snapshot for the whole batch: a model swap never changes a batch in flight.
        let models = registry.current
        var decodedItems: [Decoded] = []
        decodedItems.reserveCapacity(batch.count)
        var shadowed: [Decoded] = []

        var queued = ElapsedSince(until: started)
        for (i, pending) in batch.enumerated() {
            do {
                let decoded = try decode(pending.message, models: models, nowMs: nowMs)
                decodedItems.append(Decoded(index: i, record: decoded.record, model: decoded.route.model,
                                            shadow: decoded.route.shadow))
            } catch {
                let (dead, reply) = deadLetter(pending, error)
                outputs[i] = dead
                if let reply { extras.append(reply) }
                timings.dead.append(error.code)
            }
            timings.queueMicros.append(Int64(queued.milliseconds(from: pending.arrival) * 1000))
        }

        for (model, group) in Self.grouped(decodedItems, by: \.model) {
            let (assembler, accepted) = Self.assemble(group, for: model) { item, error in
                let (dead, reply) = deadLetter(batch[item.index], error)
                outputs[item.index] = dead
                if let reply { extras.append(reply) }
                timings.dead.append(error.code)
            }
            guard !accepted.isEmpty else { continue }
            let inferenceStart = ContinuousClock.now
            let scored: ScoreBatch
            let features = assembler.batch()
            do {
                scored = try model.model.score(features)
            } catch {
                for (item, _) in accepted {
                    let rejection = RecordRejection(.inferenceFailed, "\(error)")
                    let (dead, reply) = deadLetter(batch[item.index], rejection)
                    outputs[item.index] = dead
                    if let reply { extras.append(reply) }
                    timings.dead.append(.inferenceFailed)
                }
                continue
            }
            let inferenceMs = (ContinuousClock.now - inferenceStart).milliseconds
            timings.inferenceMicros.append(Int64(inferenceMs * 1000))
            timings.rows += scored.rowCount
            timings.scoredByModel[model.name, default: 0] += accepted.count
            timings.drift += drift.observe(model: model, batch: features, scored: scored, nowMs: nowMs,
                                           worker: configuration.workerID)
            var waited = ElapsedSince(until: inferenceStart)
            var clocks = EncodingClocks()
            for (item, range) in accepted {
                let pending = batch[item.index]
                let queuedMs = waited.milliseconds(from: pending.arrival)
                outputs[item.index] = prediction(for: pending, record: item.record, model: model, scored: scored,
                                                  rows: range, queuedMs: queuedMs, inferenceMs: inferenceMs, clocks: &clocks)
                if item.shadow != nil { shadowed.append(item) }
            }
        }
        if !shadowed.isEmpty { extras += shadowPredictions(shadowed, batch: batch, timings: &timings) }
        // Move the outputs out (no copies: each record's buffers change hands once).
        var all: [OutputRecord] = []
        all.reserveCapacity(outputs.count + extras.count)
        for i in outputs.indices { all.append(outputs[i].take()!) }
        all.append(contentsOf: extras)
        return (all, timings)
    }

    /// Scores records again with their shadow model; the predictions go to the shadow topic
    /// (best effort: untracked, and a record the shadow model cannot score is only counted).
    private func shadowPredictions(_ items: [Decoded], batch: [PendingRecord], timings: inout Timings) -> [OutputRecord] {
        var out: [OutputRecord] = []
        for (model, group) in Self.grouped(items, by: { $0.shadow! }) {
            let (assembler, accepted) = Self.assemble(group, for: model) { _, _ in timings.shadowFailures += 1 }
            guard !accepted.isEmpty else { continue }
            let started = ContinuousClock.now
            guard let scored = try? model.model.score(assembler.batch()) else {
                timings.shadowFailures += accepted.count
                continue
            }
            let inferenceMs = (ContinuousClock.now - started).milliseconds
            var waited = ElapsedSince(until: started)
            var clocks = EncodingClocks()
            for (item, range) in accepted {
                let pending = batch[item.index]
                var record = prediction(for: pending, record: item.record, model: model, scored: scored, rows: range,
                                        queuedMs: waited.milliseconds(from: pending.arrival), inferenceMs: inferenceMs,
                                        clocks: &clocks)
                record.topic = configuration.shadowTopic
                record.partition = nil
                record.token = OutputRecord.untracked
                record.rows = 0
                out.append(record)
            }
            timings.shadowByModel["\(model.name)/\(model.version)", default: 0] += accepted.count
        }
        return out
    }

    /// Items grouped by the model `model(item)` picks, groups in order of first appearance.
    private static func grouped(_ items: [Decoded], by model: (Decoded) -> ServedModel)
        -> [(model: ServedModel, items: [Decoded])] {
        var groups: [(model: ServedModel, items: [Decoded])] = []
        var slot: [ObjectIdentifier: Int] = [:]
        var last = -1
        for item in items {
            let m = model(item)
            // Runs of records share a model: only a change of model needs the lookup.
            if last >= 0 && groups[last].model === m {
                groups[last].items.append(item)
            } else if let i = slot[ObjectIdentifier(m)] {
                groups[i].items.append(item)
                last = i
            } else {
                last = groups.count
                slot[ObjectIdentifier(m)] = groups.count
                groups.append((m, [item]))
            }
        }
        return groups
    }

    /// Assembles the rows of `items` for `model`; an item whose rows do not fit is passed to
    /// `rejected` and left out. Returns the assembler and the accepted items with their rows.
    private static func assemble(_ items: [Decoded], for model: ServedModel,
                                 rejected: (Decoded, RecordRejection) -> Void)
        -> (FeatureAssembler, [(Decoded, range: Range<Int>)]) {
        var assembler = FeatureAssembler(schema: model, capacityRows: items.count)
        var accepted: [(Decoded, range: Range<Int>)] = []
        for item in items {
            let first = assembler.rowCount
            do {
                try assembler.append(item.record.rows)
                accepted.append((item, first..<assembler.rowCount))
            } catch {
                rejected(item, error)
            }
        }
        return (assembler, accepted)
    }

    // MARK: Decoding

    private func decode(_ message: KafkaMessage, models: ModelSet, nowMs: Int64) throws(RecordRejection)
        -> (record: FeatureRecord, route: ModelRoute) {
        if message.value.isEmpty { throw RecordRejection(.empty, "the record value is empty") }
        if message.value.count > configuration.maxRecordBytes {
            throw RecordRejection(.tooLarge, "the record is \(message.value.count) bytes; the limit is \(configuration.maxRecordBytes)")
        }
        if let deadline = message.headers.string(named: HeaderName.deadlineMs) {
            guard let ms = Int64(deadline) else {
                throw RecordRejection(.invalidRecord, "header deadline-ms is not epoch milliseconds: '\(deadline)'")
            }
            if ms < nowMs { throw RecordRejection(.expired, "the deadline passed \(nowMs - ms) ms before scoring") }
        }
        let route = try models.resolve(name: message.headers.string(named: HeaderName.model),
                                       version: message.headers.string(named: HeaderName.modelVersion),
                                       key: message.key, fallbackKey: message.offset ^ (Int64(message.partition) << 48))
        let record = try parser.parse(message.value)
        return (record, route)
    }

    // MARK: Encoding

    private func replyRoute(_ message: KafkaMessage) -> (topic: String, partition: Int32?)? {
        guard let replyTo = message.headers.string(named: HeaderName.replyTo), !replyTo.isEmpty else { return nil }
        let partition = message.headers.string(named: HeaderName.replyPartition).flatMap { Int32($0) }
        return (replyTo, partition)
    }

    private func echoedHeaders(_ message: KafkaMessage) -> [KafkaHeader] {
        var headers: [KafkaHeader] = []
        for name in [HeaderName.correlationID, HeaderName.traceparent] {
            if let v = message.headers.value(named: name) { headers.append(KafkaHeader(name: name, value: v)) }
        }
        return headers
    }

    private func prediction(for pending: PendingRecord, record: FeatureRecord, model: ServedModel, scored: ScoreBatch,
                            rows: Range<Int>, queuedMs: Double, inferenceMs: Double,
                            clocks: inout EncodingClocks) -> OutputRecord {
        let message = pending.message
        var w = JSONWriter(capacity: 320)
        w.raw("{\"id\":")
        if let id = record.id { w.string(id) }
        else if let key = message.key { w.string(String(decoding: key, as: UTF8.self)) }
        else { w.raw("null") }
        w.raw(",\"model\":")
        w.string(model.name)
        w.raw(",\"model_version\":")
        w.string(model.version)
        let scoreKey: StaticString = model.isClassifier ? "probabilities" : "scores"
        if record.isMultiRow {
            w.raw(",\"result\":[")
            for (n, r) in rows.enumerated() {
                if n > 0 { w.byte(UInt8(ascii: ",")) }
                writePrediction(&w, scored, row: r)
            }
            w.byte(UInt8(ascii: "]"))
            if model.classes != nil, case .int64(let labels) = scored.labels {
                w.raw(",\"labels\":[")
                for (n, r) in rows.enumerated() {
                    if n > 0 { w.byte(UInt8(ascii: ",")) }
                    if let l = model.label(for: labels[r]) { w.string(l) } else { w.raw("null") }
                }
                w.byte(UInt8(ascii: "]"))
            }
            if scored.scoreWidth > 0 && (scored.labels != .none || scored.scoreWidth > 1) {
                w.raw(",\"")
                w.raw(scoreKey)
                w.raw("\":[")
                for (n, r) in rows.enumerated() {
                    if n > 0 { w.byte(UInt8(ascii: ",")) }
                    writeScores(&w, scored, row: r)
                }
                w.byte(UInt8(ascii: "]"))
            }
        } else {
            let r = rows.lowerBound
            w.raw(",\"prediction\":")
            writePrediction(&w, scored, row: r)
            if case .int64(let labels) = scored.labels, let l = model.label(for: labels[r]) {
                w.raw(",\"label\":")
                w.string(l)
            } else if case .string(let labels) = scored.labels {
                w.raw(",\"label\":")
                w.string(labels[r])
            }
            if scored.scoreWidth > 0 && (scored.labels != .none || scored.scoreWidth > 1) {
                w.raw(",\"")
                w.raw(scoreKey)
                w.raw("\":")
                writeScores(&w, scored, row: r)
            }
        }
        w.raw(",\"source\":{\"topic\":")
        w.string(message.topic)
        w.raw(",\"partition\":")
        w.int(Int64(message.partition))
        w.raw(",\"offset\":")
        w.int(message.offset)
        w.raw("},\"timings_ms\":{\"queued\":")
        w.milliseconds(queuedMs)
        w.raw(",\"inference\":")
        w.milliseconds(inferenceMs)
        w.raw(",\"end_to_end\":")
        let endToEnd = message.timestamp.map { Double(clocks.epochMicros - $0 * 1000) / 1000 }
            ?? clocks.sinceArrival.milliseconds(from: pending.arrival)
        w.milliseconds(max(0, endToEnd))
        w.raw("},\"worker\":")
        w.string(configuration.workerID)
        w.byte(UInt8(ascii: "}"))

        let route = replyRoute(message)
        return OutputRecord(topic: route?.topic ?? configuration.outputTopic, key: message.key, value: w.bytes,
                            headers: echoedHeaders(message), partition: route?.partition, token: pending.token,
                            rows: rows.count, sourceTimestampMs: message.timestamp, arrival: pending.arrival)
    }

    /// The clocks an encoding pass reads, read once per pass (a batch encodes in microseconds).
    struct EncodingClocks {
        let epochMicros = epochMicroseconds()
        var sinceArrival = ElapsedSince(until: .now)
    }

    private func writePrediction(_ w: inout JSONWriter, _ scored: ScoreBatch, row: Int) {
        switch scored.labels {
        case .int64(let labels): w.int(labels[row])
        case .string(let labels): w.string(labels[row])
        case .none:
            if scored.scoreWidth >= 1 { w.float(scored.scores[row * scored.scoreWidth]) } else { w.raw("null") }
        }
    }

    private func writeScores(_ w: inout JSONWriter, _ scored: ScoreBatch, row: Int) {
        w.byte(UInt8(ascii: "["))
        let base = row * scored.scoreWidth
        for c in 0..<scored.scoreWidth {
            if c > 0 { w.byte(UInt8(ascii: ",")) }
            w.float(scored.scores[base + c])
        }
        w.byte(UInt8(ascii: "]"))
    }

    /// The DLQ record (input bytes unchanged, reason in headers) and, when the record asked for a
    /// reply, an error reply for the gateway.
    func deadLetter(_ pending: PendingRecord, _ rejection: RecordRejection) -> (OutputRecord, OutputRecord?) {
        let message = pending.message
        var headers = message.headers.filter { ![HeaderName.error, HeaderName.errorDetail].contains($0.name) }
        headers += [
            KafkaHeader(HeaderName.error, rejection.code.rawValue),
            KafkaHeader(HeaderName.errorDetail, rejection.detail),
            KafkaHeader(HeaderName.sourceTopic, message.topic),
            KafkaHeader(HeaderName.sourcePartition, String(message.partition)),
            KafkaHeader(HeaderName.sourceOffset, String(message.offset)),
        ]
        let dead = OutputRecord(topic: configuration.dlqTopic, key: message.key, value: message.value, headers: headers,
                                partition: nil, token: pending.token, rows: 0, sourceTimestampMs: message.timestamp,
                                arrival: pending.arrival)
        guard let route = replyRoute(message) else { return (dead, nil) }
        var w = JSONWriter(capacity: 200)
        w.raw("{\"id\":")
        if let key = message.key { w.string(String(decoding: key, as: UTF8.self)) } else { w.raw("null") }
        w.raw(",\"error\":")
        w.string(rejection.code.rawValue)
        w.raw(",\"error_detail\":")
        w.string(rejection.detail)
        w.raw(",\"source\":{\"topic\":")
        w.string(message.topic)
        w.raw(",\"partition\":")
        w.int(Int64(message.partition))
        w.raw(",\"offset\":")
        w.int(message.offset)
        w.raw("},\"worker\":")
        w.string(configuration.workerID)
        w.byte(UInt8(ascii: "}"))
        let reply = OutputRecord(topic: route.topic, key: message.key, value: w.bytes, headers: echoedHeaders(message),
                                 partition: route.partition, token: OutputRecord.untracked, rows: 0,
                                 sourceTimestampMs: nil, arrival: pending.arrival)
        return (dead, reply)
    }
}
