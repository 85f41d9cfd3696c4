import StreamScoreContract
import StreamScoreKafka
import StreamScoreModel

/// Encoding a batch's outputs: predictions, dead letters and error replies, in the formats of
/// DESIGN.md, written straight into the batch's shared output buffer.
extension BatchProcessor {
    /// What one encoding pass (a model group) reads once and reuses: the clocks (a batch encodes
    /// in microseconds), and the encoded timings, which repeat from record to record (records of
    /// one consumed chunk share their queue time, and records produced in the same millisecond
    /// their end-to-end time).
    struct EncodingPass {
        let epochMicros = epochMicroseconds()
        var sinceArrival = ElapsedSince(until: .now)
        var queued = RepeatedMilliseconds()
        var inference = RepeatedMilliseconds()
        var endToEnd = RepeatedMilliseconds()
    }

    /// The JSON of the last millisecond value written, reused while the value repeats.
    struct RepeatedMilliseconds {
        private var micros = Int64.min
        private var encoded: [UInt8] = []

        /// Writes `ms` exactly as ``JSONWriter/milliseconds(_:)`` does.
        mutating func write(_ ms: Double, to w: inout some JSONSink) {
            guard ms.isFinite else { return w.milliseconds(ms) }
            let m = Int64((ms * 1000).rounded())
            if m != micros {
                var fresh = JSONWriter(capacity: 16)
                fresh.milliseconds(ms)
                encoded = fresh.bytes
                micros = m
            }
            w.raw(encoded)
        }
    }

    /// Appends the prediction for `item`: to the reply topic when the input asked for one, else
    /// to the output topic; with `shadow`, an untracked one to the shadow topic.
    ///
    /// The message is read in place (through a pointer into the batch) rather than copied, which
    /// would retain and release its buffers once per record.
    func appendPrediction(_ message: UnsafePointer<KafkaMessage>, token: UInt64, arrival: ContinuousClock.Instant,
                          _ item: Item, model: ServedModel, scored: ScoreBatch, queuedMs: Double, inferenceMs: Double,
                          pass: inout EncodingPass, shadow: Bool, into builder: inout OutputBuilder) {
        let hasHeaders = !message.pointee.headers.isEmpty
        let route = shadow || !hasHeaders ? nil : replyRoute(message.pointee)
        let timestamp = message.pointee.timestamp
        let tracking = BatchOutputs.Tracking(rows: shadow ? 0 : item.rows.count, sourceTimestampMs: timestamp,
                                             arrival: arrival)
        let endToEnd = timestamp.map { Double(pass.epochMicros - $0 * 1000) / 1000 }
            ?? pass.sinceArrival.milliseconds(from: arrival)
        builder.add(forInput: shadow ? nil : item.index, tracking: tracking) { records in
            records.append(topic: shadow ? configuration.shadowTopic : route?.topic ?? configuration.outputTopic,
                           key: message.pointee.key, headers: hasHeaders ? echoedHeaders(message.pointee) : [],
                           partition: route?.partition, token: token) { bytes in
                // A prediction takes about 300 bytes; a larger one (long ids, many rows) is rewritten
                // with more room.
                JSONWriter.write(appendingTo: &bytes, reserving: 512) { w in
                    writePrediction(&w, message: message, item: item, model: model, scored: scored, queuedMs: queuedMs,
                                    inferenceMs: inferenceMs, endToEndMs: max(0, endToEnd), pass: &pass)
                }
            }
        }
    }

    private func writePrediction(_ w: inout JSONBufferWriter, message: UnsafePointer<KafkaMessage>, item: Item, model: ServedModel,
                                 scored: ScoreBatch, queuedMs: Double, inferenceMs: Double, endToEndMs: Double,
                                 pass: inout EncodingPass) {
        w.raw("{\"id\":")
        if let text = item.idText {
            // Printable ASCII without escapes: its bytes are already the JSON string's content.
            w.byte(UInt8(ascii: "\""))
            message.pointee.value.withUnsafeBufferPointer { w.raw(UnsafeBufferPointer(rebasing: $0[text])) }
            w.byte(UInt8(ascii: "\""))
        } else if let id = item.id { w.string(id) }
        else if let key = message.pointee.key { w.string(String(decoding: key, as: UTF8.self)) }
        else { w.raw("null") }
        w.raw(model.encodedIdentity)
        let scoreKey: StaticString = model.isClassifier ? "probabilities" : "scores"
        let hasScores = scored.scoreWidth > 0 && (scored.labels != .none || scored.scoreWidth > 1)
        if item.isMultiRow {
            w.raw(",\"result\":[")
            for (n, r) in item.rows.enumerated() {
                if n > 0 { w.byte(UInt8(ascii: ",")) }
                writePredictedValue(&w, scored, row: r)
            }
            w.byte(UInt8(ascii: "]"))
            if model.classes != nil, case .int64(let labels) = scored.labels {
                w.raw(",\"labels\":[")
                for (n, r) in item.rows.enumerated() {
                    if n > 0 { w.byte(UInt8(ascii: ",")) }
                    if let label = model.encodedLabel(for: labels[r]) { w.raw(label) } else { w.raw("null") }
                }
                w.byte(UInt8(ascii: "]"))
            }
            if hasScores {
                w.raw(",\"")
                w.raw(scoreKey)
                w.raw("\":[")
                for (n, r) in item.rows.enumerated() {
                    if n > 0 { w.byte(UInt8(ascii: ",")) }
                    writeScores(&w, scored, row: r)
                }
                w.byte(UInt8(ascii: "]"))
            }
        } else {
            let r = item.rows.lowerBound
            w.raw(",\"prediction\":")
            writePredictedValue(&w, scored, row: r)
            if case .int64(let labels) = scored.labels, let label = model.encodedLabel(for: labels[r]) {
                w.raw(",\"label\":")
                w.raw(label)
            } else if case .string(let labels) = scored.labels {
                w.raw(",\"label\":")
                w.string(labels[r])
            }
            if hasScores {
                w.raw(",\"")
                w.raw(scoreKey)
                w.raw("\":")
                writeScores(&w, scored, row: r)
            }
        }
        if message.pointee.topic == configuration.inputTopic { w.raw(encodedInputSource) }
        else { Self.writeSourceStart(&w, topic: message.pointee.topic) }
        w.int(Int64(message.pointee.partition))
        w.raw(",\"offset\":")
        w.int(message.pointee.offset)
        w.raw("},\"timings_ms\":{\"queued\":")
        pass.queued.write(queuedMs, to: &w)
        w.raw(",\"inference\":")
        pass.inference.write(inferenceMs, to: &w)
        w.raw(",\"end_to_end\":")
        pass.endToEnd.write(endToEndMs, to: &w)
        w.raw(encodedEnd)
    }

    /// `,"source":{"topic":"<topic>","partition":`
    static func writeSourceStart(_ w: inout some JSONSink, topic: String) {
        w.raw(",\"source\":{\"topic\":")
        w.string(topic)
        w.raw(",\"partition\":")
    }

    private func writePredictedValue(_ w: inout JSONBufferWriter, _ scored: ScoreBatch, row: Int) {
        switch scored.labels {
        case .int64(let labels): w.int(labels[row])
        case .string(let labels): w.string(labels[row])
        case .none:
            if scored.scoreWidth >= 1 { w.float(scored.scores[row * scored.scoreWidth]) } else { w.raw("null") }
        }
    }

    private func writeScores(_ w: inout JSONBufferWriter, _ scored: ScoreBatch, row: Int) {
        w.byte(UInt8(ascii: "["))
        let base = row * scored.scoreWidth
        for c in 0..<scored.scoreWidth {
            if c > 0 { w.byte(UInt8(ascii: ",")) }
            w.float(scored.scores[base + c])
        }
        w.byte(UInt8(ascii: "]"))
    }

    // MARK: Dead letters

    /// Appends the DLQ record for input `index` (its bytes unchanged, the reason in headers) and,
    /// when the record asked for a reply, an error reply for the gateway.
    func appendDeadLetter(_ message: KafkaMessage, input index: Int, token: UInt64, arrival: ContinuousClock.Instant,
                          _ rejection: RecordRejection, into builder: inout OutputBuilder) {
        var headers = message.headers.filter { ![HeaderName.error, HeaderName.errorDetail].contains($0.name) }
        headers += [
            KafkaHeader(HeaderName.error, rejection.code.rawValue),
            KafkaHeader(HeaderName.errorDetail, rejection.detail),
            KafkaHeader(HeaderName.sourceTopic, message.topic),
            KafkaHeader(HeaderName.sourcePartition, String(message.partition)),
            KafkaHeader(HeaderName.sourceOffset, String(message.offset)),
        ]
        builder.add(forInput: index, tracking: .init(rows: 0, sourceTimestampMs: message.timestamp, arrival: arrival)) {
            $0.append(topic: configuration.dlqTopic, key: message.key, value: message.value, headers: headers,
                      token: token)
        }
        guard let route = replyRoute(message) else { return }
        builder.add(forInput: nil, tracking: .init(rows: 0, sourceTimestampMs: nil, arrival: arrival)) { records in
            records.append(topic: route.topic, key: message.key, headers: echoedHeaders(message),
                           partition: route.partition, token: BatchOutputs.untracked) { bytes in
                JSONWriter.write(appendingTo: &bytes, reserving: 512) { w in
                    w.raw("{\"id\":")
                    if let key = message.key { w.string(String(decoding: key, as: UTF8.self)) } else { w.raw("null") }
                    w.raw(",\"error\":")
                    w.string(rejection.code.rawValue)
                    w.raw(",\"error_detail\":")
                    w.string(rejection.detail)
                    Self.writeSourceStart(&w, topic: message.topic)
                    w.int(Int64(message.partition))
                    w.raw(",\"offset\":")
                    w.int(message.offset)
                    w.raw(encodedEnd)
                }
            }
        }
    }

    // MARK: Headers

    private func replyRoute(_ message: KafkaMessage) -> (topic: String, partition: Int32?)? {
        guard let replyTo = message.headers.string(named: HeaderName.replyTo), !replyTo.isEmpty else { return nil }
        let partition = message.headers.string(named: HeaderName.replyPartition).flatMap { Int32($0) }
        return (replyTo, partition)
    }

    private func echoedHeaders(_ message: KafkaMessage) -> [KafkaHeader] {
        if message.headers.isEmpty { return [] }
        var headers: [KafkaHeader] = []
        for name in [HeaderName.correlationID, HeaderName.traceparent] {
            if let v = message.headers.value(named: name) { headers.append(KafkaHeader(name: name, value: v)) }
        }
        return headers
    }
}
