import StreamScoreKafka
import Synchronization

/// Tracks consumed records per partition until their output is acknowledged, and yields the
/// offsets that are safe to store: a record's offset is stored only once it and every earlier
/// record of its partition are acknowledged.
///
/// Tokens handed to the producer encode the partition slot and the offset, so a delivery report
/// finds its record without a table lookup by key.
final class OffsetTracker: Sendable {
    private struct Pending {
        var offsets: [Int64] = []
        var done: [Bool] = []
        var extraRows: [Int32] = []
        var head = 0
        var count: Int { offsets.count - head }

        mutating func compact() {
            if head > 4096 && head * 2 > offsets.count {
                offsets.removeFirst(head)
                done.removeFirst(head)
                extraRows.removeFirst(head)
                head = 0
            }
        }

        func index(of offset: Int64) -> Int? {
            // Consumed offsets are usually consecutive: try the position that assumes so first.
            if head < offsets.count, offset >= offsets[head] {
                let guess = head + Int(offset - offsets[head])
                if guess < offsets.count, offsets[guess] == offset { return guess }
            }
            var lo = head
            var hi = offsets.count - 1
            while lo <= hi {
                let mid = (lo + hi) / 2
                if offsets[mid] == offset { return mid }
                if offsets[mid] < offset { lo = mid + 1 } else { hi = mid - 1 }
            }
            return nil
        }
    }

    private struct State {
        var slots: [TopicPartition: Int] = [:]
        var partitions: [TopicPartition] = []
        var pending: [Pending] = []
        var inflightRows = 0
        var acknowledged = 0
    }

    private let state = Mutex(State())
    static let offsetBits: UInt64 = 48

    /// Registers consumed records in consumption order; returns each record's token.
    func register(_ records: [(TopicPartition, Int64)]) -> [UInt64] {
        state.withLock { s in
            // Consecutive records mostly share a partition: look its slot up once per run.
            var last: (tp: TopicPartition, slot: Int)?
            return records.map { tp, offset in
                let slot: Int
                if let last, last.tp == tp {
                    slot = last.slot
                } else if let existing = s.slots[tp] {
                    slot = existing
                } else {
                    slot = s.partitions.count
                    s.slots[tp] = slot
                    s.partitions.append(tp)
                    s.pending.append(Pending())
                }
                last = (tp, slot)
                s.pending[slot].offsets.append(offset)
                s.pending[slot].done.append(false)
                s.pending[slot].extraRows.append(0)
                s.inflightRows += 1
                return UInt64(slot) << Self.offsetBits | UInt64(offset)
            }
        }
    }

    /// Records that a record carries `rows` rows (the first is counted at registration).
    func noteRows(_ entries: [(token: UInt64, rows: Int)]) {
        guard !entries.isEmpty else { return }
        state.withLock { s in
            for (token, rows) in entries where rows > 1 {
                let slot = Int(token >> Self.offsetBits)
                let offset = Int64(token & ((1 << Self.offsetBits) - 1))
                guard slot < s.pending.count, let i = s.pending[slot].index(of: offset) else { continue }
                s.pending[slot].extraRows[i] += Int32(rows - 1)
                s.inflightRows += rows - 1
            }
        }
    }

    /// Marks acknowledged records; returns the next offsets to store, per partition that advanced.
    func acknowledge(_ tokens: [UInt64]) -> [(TopicPartition, Int64)] {
        state.withLock { s in
            var advanced = [Bool](repeating: false, count: s.pending.count)
            for token in tokens {
                let slot = Int(token >> Self.offsetBits)
                let offset = Int64(token & ((1 << Self.offsetBits) - 1))
                guard slot < s.pending.count, let i = s.pending[slot].index(of: offset), !s.pending[slot].done[i]
                else { continue }
                s.pending[slot].done[i] = true
                s.acknowledged += 1
                s.inflightRows -= 1 + Int(s.pending[slot].extraRows[i])
                advanced[slot] = true
            }
            var out: [(TopicPartition, Int64)] = []
            for slot in advanced.indices where advanced[slot] {
                var p = s.pending[slot]
                s.pending[slot] = Pending()  // avoid copy-on-write while mutating
                var next: Int64?
                while p.head < p.offsets.count && p.done[p.head] {
                    next = p.offsets[p.head] + 1
                    p.head += 1
                }
                p.compact()
                s.pending[slot] = p
                if let next { out.append((s.partitions[slot], next)) }
            }
            return out
        }
    }

    /// Forgets partitions (after a revoke); their unacknowledged records no longer count.
    func forget(_ partitions: [TopicPartition]) {
        state.withLock { s in
            for tp in partitions {
                guard let slot = s.slots[tp] else { continue }
                let p = s.pending[slot]
                for i in p.head..<p.offsets.count where !p.done[i] {
                    s.inflightRows -= 1 + Int(p.extraRows[i])
                }
                s.pending[slot] = Pending()
            }
        }
    }

    /// Unacknowledged records of these partitions (all partitions when `nil`).
    func pendingCount(_ partitions: [TopicPartition]? = nil) -> Int {
        state.withLock { s in
            if let partitions {
                return partitions.reduce(0) { total, tp in
                    guard let slot = s.slots[tp] else { return total }
                    let p = s.pending[slot]
                    return total + (p.head..<p.offsets.count).filter { !p.done[$0] }.count
                }
            }
            return s.pending.reduce(0) { total, p in total + (p.head..<p.offsets.count).filter { !p.done[$0] }.count }
        }
    }

    /// Records acknowledged since start.
    var acknowledgedRecords: Int { state.withLock { $0.acknowledged } }

    /// Rows consumed and not yet acknowledged.
    var inflightRows: Int { state.withLock { $0.inflightRows } }
}
