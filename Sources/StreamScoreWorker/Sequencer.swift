import StreamScoreKafka

/// Publishes scored batches in dispatch order, whatever order the lanes finish in, so that each
/// partition's outputs leave in input order.
final class Sequencer: Sendable {
    private struct State {
        var next = 0
        var completed: [Int: BatchOutputs] = [:]
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
    func submit(seq: Int, outputs: BatchOutputs) async {
        var ready = state.withLock { s -> [BatchOutputs] in
            s.completed[seq] = outputs
            if s.draining { return [] }
            let ready = Self.takeReady(&s)
            s.draining = !ready.isEmpty
            return ready
        }
        while !ready.isEmpty {
            for outputs in ready { await publish(outputs) }
            let count = ready.count
            ready = state.withLock { s -> [BatchOutputs] in
                s.published += count
                let more = Self.takeReady(&s)
                if more.isEmpty { s.draining = false }
                return more
            }
        }
    }

    private static func takeReady(_ s: inout State) -> [BatchOutputs] {
        var out: [BatchOutputs] = []
        while let outputs = s.completed.removeValue(forKey: s.next) {
            out.append(outputs)
            s.next += 1
        }
        return out
    }

    private func publish(_ outputs: BatchOutputs) async {
        do {
            try await producer.enqueue(outputs.records)
        } catch {
            // Only a closed producer fails here: these records stay unacknowledged, their offsets
            // are never stored, and they are redelivered.
        }
        let nowMicros = epochMicroseconds()
        var sinceArrival = ElapsedSince(until: .now)
        var endToEnd: [Int64] = []
        var inWorker: [Int64] = []
        endToEnd.reserveCapacity(outputs.tracking.count)
        inWorker.reserveCapacity(outputs.tracking.count)
        for t in outputs.tracking where t.rows > 0 {
            if let ts = t.sourceTimestampMs { endToEnd.append(nowMicros - ts * 1000) }
            inWorker.append(Int64(sinceArrival.milliseconds(from: t.arrival) * 1000))
        }
        metrics.recordEndToEnd(endToEnd, inWorker: inWorker)
    }
}
