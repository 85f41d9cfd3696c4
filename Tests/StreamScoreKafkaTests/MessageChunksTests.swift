@testable import StreamScoreKafka
import Testing

@Suite("The consumer's chunk buffer")
struct MessageChunksTests {
    func chunk(_ offsets: Range<Int64>, partition: Int32 = 0) -> [KafkaMessage] {
        offsets.map { KafkaMessage(topic: "t", partition: partition, offset: $0, timestamp: nil, key: nil, value: [], headers: []) }
    }

    @Test("Hands out messages in order, whole chunks when they fit, split chunks when they don't")
    func takesInOrder() {
        var chunks = MessageChunks()
        chunks.append(chunk(0..<3))
        chunks.append([])
        chunks.append(chunk(3..<8))
        chunks.append(chunk(8..<9))
        #expect(chunks.count == 9)
        #expect(chunks.take(4).map(\.offset) == [0, 1, 2], "the first chunk fits and is most of the request: it comes alone")
        #expect(chunks.take(2).map(\.offset) == [3, 4], "a chunk larger than the request is split")
        #expect(chunks.take(10).map(\.offset) == [5, 6, 7, 8], "the rest of a split chunk, then the next")
        #expect(chunks.isEmpty)
        #expect(chunks.take(5).isEmpty)
    }

    @Test("Dropping revoked partitions keeps the others in order, mid-chunk included")
    func removesRevoked() {
        var chunks = MessageChunks()
        chunks.append(chunk(0..<4, partition: 1) + chunk(0..<2, partition: 2))
        chunks.append(chunk(4..<6, partition: 1))
        #expect(chunks.take(2).map(\.offset) == [0, 1])
        chunks.removeAll { $0.partition == 2 }
        #expect(chunks.count == 4)
        #expect(chunks.take(10).map(\.offset) == [2, 3, 4, 5], "small chunks are joined up to the request")
        chunks.append(chunk(6..<7))
        chunks.removeAll()
        #expect(chunks.isEmpty && chunks.take(1).isEmpty)
    }
}
