import StreamScoreKafka

/// Publishes scored batches in dispatch order, whatever order the lanes finish in, so that each
/// partition's outputs leave in input order.
final class Sequencer: Sendable {
    private struct State {
        var next = 0
        var completed: [Int: [OutputRecord]] = [:]
        var draining = false
        var published = 0
    }

    private let state = Locked(State())
    private let producer: KafkaProducer
    private let metrics: WorkerMetrics

    init(producer: KafkaProducer, metrics: WorkerMetrics) {
        self.producer = producer
        self.metrics = metrics
    }

    /// Batches published so far.
    var publishedCount: Int { state.withLock { $0.published } }

    /// Hands over batch `seq`; the caller that finds the next batches ready publishes them.
    func submit(seq: Int, outputs: [OutputRecord]) async {
        var ready = state.withLock { s -> [[OutputRecord]] in
            s.completed[seq] = outputs
            if s.draining { return [] }
            let ready = Self.takeReady(&s)
            s.draining = !ready.isEmpty
            return ready
        }
        while !ready.isEmpty {
            for outputs in ready { await publish(outputs) }
            let count = ready.count
            ready = state.withLock { s -> [[OutputRecord]] in
                s.published += count
                let more = Self.takeReady(&s)
                if more.isEmpty { s.draining = false }
                return more
            }
        }
    }

    private static func take<T>(_ array: inout [T]) -> [T] {
        var out: [T] = []
        swap(&out, &array)
        return out
    }

    private static func takeReady(_ s: inout State) -> [[OutputRecord]] {
        var out: [[OutputRecord]] = []
        while let outputs = s.completed.removeValue(forKey: s.next) {
            out.append(outputs)
            s.next += 1
        }
        return out
    }

    private func publish(_ outputs: consuming [OutputRecord]) async {
        var endToEnd: [Int64] = []
        var inWorker: [Int64] = []
        endToEnd.reserveCapacity(outputs.count)
        inWorker.reserveCapacity(outputs.count)
        let nowMicros = epochMicroseconds()
        let now = ContinuousClock.now
        // Move each record's buffers into its producer record rather than copying them.
        var outputs = outputs
        var records: [OutgoingRecord] = []
        records.reserveCapacity(outputs.count)
        for i in outputs.indices {
            records.append(OutgoingRecord(topic: outputs[i].topic, key: outputs[i].key.take(),
                                          value: Self.take(&outputs[i].value), headers: Self.take(&outputs[i].headers),
                                          partition: outputs[i].partition, token: outputs[i].token))
        }
        do {
            try await producer.enqueue(records)
        } catch {
            // Only a closed producer fails here: these records stay unacknowledged, their offsets
            // are never stored, and they are redelivered.
        }
        var sinceArrival = ElapsedSince(until: now)
        for o in outputs where o.rows > 0 {
            if let ts = o.sourceTimestampMs { endToEnd.append(nowMicros - ts * 1000) }
            inWorker.append(Int64(sinceArrival.milliseconds(from: o.arrival) * 1000))
        }
        metrics.recordEndToEnd(endToEnd, inWorker: inWorker)
    }
}
