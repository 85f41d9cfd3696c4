/// The consumer's buffer of polled messages: a FIFO of the chunks the polling thread hands over.
///
/// A chunk is moved in whole, and handed out whole when it fits the request, so the common case
/// copies no messages and never grows one big array (which would page-fault fresh memory in as
/// it grew).
struct MessageChunks {
    private var chunks: [[KafkaMessage]] = []
    /// Messages of `chunks[0]` already handed out.
    private var head = 0
    /// Messages not yet handed out.
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    mutating func append(_ chunk: consuming [KafkaMessage]) {
        guard !chunk.isEmpty else { return }
        count += chunk.count
        chunks.append(chunk)
    }

    /// Takes up to `max` messages in order: the whole first chunk when it fits and is at least
    /// half the request, or is all there is (no copy); otherwise copies across chunks up to `max`.
    mutating func take(_ max: Int) -> [KafkaMessage] {
        guard count > 0, max > 0 else { return [] }
        if head == 0 && chunks[0].count <= max && (chunks[0].count * 2 >= max || chunks.count == 1) {
            count -= chunks[0].count
            return chunks.removeFirst()
        }
        var out: [KafkaMessage] = []
        out.reserveCapacity(min(max, count))
        while out.count < max, !chunks.isEmpty {
            let n = min(chunks[0].count - head, max - out.count)
            out.append(contentsOf: chunks[0][head..<head + n])
            head += n
            if head == chunks[0].count {
                chunks.removeFirst()
                head = 0
            }
        }
        count -= out.count
        return out
    }

    /// Drops the messages `drop` selects, keeping the order of the rest.
    mutating func removeAll(where drop: (KafkaMessage) -> Bool) {
        var kept = MessageChunks()
        for (i, chunk) in chunks.enumerated() {
            kept.append((i == 0 ? chunk[head...] : chunk[...]).filter { !drop($0) })
        }
        self = kept
    }

    mutating func removeAll() { self = MessageChunks() }
}
