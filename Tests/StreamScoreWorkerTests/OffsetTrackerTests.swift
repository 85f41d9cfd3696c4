import StreamScoreKafka
@testable import StreamScoreWorker
import Testing

@Suite("Offset tracking")
struct OffsetTrackerTests {
    let a = TopicPartition(topic: "features", partition: 0)
    let b = TopicPartition(topic: "features", partition: 1)

    @Test("Offsets advance only past acknowledged records, with gaps in the offsets and out-of-order acks")
    func advancesPastContiguousAcks() {
        let tracker = OffsetTracker()
        // Gaps, as transaction markers or compaction leave them.
        let offsets: [Int64] = [0, 1, 2, 5, 6, 9, 10, 14]
        let tokens = tracker.register(offsets.map { (a, $0) } + [(b, 100)])
        #expect(tokens.count == 9)
        // Later records first: nothing can be stored while offset 0 waits.
        #expect(tracker.acknowledge([tokens[2], tokens[4], tokens[3]]).isEmpty)
        // Acknowledging the same record again changes nothing.
        #expect(tracker.acknowledge([tokens[2]]).isEmpty)
        #expect(tracker.acknowledge([tokens[0]]).map(\.1) == [1])
        // 1 closes the run 0...6 (5 and 6 were acknowledged): the next offset to read is 7.
        let stored = tracker.acknowledge([tokens[1], tokens[8]])
        #expect(stored.count == 2)
        #expect(stored.first { $0.0 == a }?.1 == 7)
        #expect(stored.first { $0.0 == b }?.1 == 101)
        #expect(tracker.acknowledge([tokens[7]]).isEmpty)
        #expect(tracker.acknowledge([tokens[6], tokens[5]]).map(\.1) == [15])
        #expect(tracker.acknowledgedRecords == 9)
    }
}
