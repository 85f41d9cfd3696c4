import Foundation
import StreamScoreKafka
import Testing

@Suite("latency probe")
struct LatencyProbeTests {
    @Test func kafkaPingPong() async throws {
        guard ProcessInfo.processInfo.environment["PROBE"] != nil else { return }
        let broker = try EmbeddedBroker(topics: [TopicSpec("ping", partitions: 1)])
        let env = ProcessInfo.processInfo.environment
        var pc = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
        pc.lingerMs = Double(env["LINGER"] ?? "0")!
        pc.properties = ["socket.nagle.disable": "true"]
        let producer = try KafkaProducer(configuration: pc)
        var cc = KafkaConfiguration(bootstrapServers: broker.bootstrapServers, groupID: "probe")
        cc.properties = ["fetch.wait.max.ms": env["FETCHWAIT"] ?? "1", "socket.nagle.disable": "true", "session.timeout.ms": "3000"]
        for (k, v) in (env["PROPS"] ?? "").split(separator: ",").map({ $0.split(separator: "=") }).map({ (String($0[0]), String($0[1])) }) {
            cc.properties[k] = v
        }
        let consumer = try KafkaConsumer(configuration: cc, topics: ["ping"])
        while consumer.assignment.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
        try await Task.sleep(for: .milliseconds(500))
        var lat: [Double] = []
        for i in 0..<300 {
            let t0 = ContinuousClock.now
            try await producer.enqueue(topic: "ping", value: Array("m\(i)".utf8), token: UInt64(i))
            var got = false
            while !got {
                guard let b = await consumer.nextBatch(timeout: .seconds(5)) else { break }
                got = !b.isEmpty
            }
            lat.append(Double((ContinuousClock.now - t0).components.attoseconds) / 1e15 + Double((ContinuousClock.now - t0).components.seconds) * 1000)
        }
        lat.sort()
        print("PROBE p50 \(lat[150]) p90 \(lat[270]) p99 \(lat[297]) ms")
        await consumer.close()
        await producer.close()
        broker.shutdown()
    }
}
