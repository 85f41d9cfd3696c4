import Foundation
import Testing

@Suite("streamscore broker", .serialized)
struct BrokerCommandTests {
    @Test("kcat produces 1,000 records to it and consumes them back with a group")
    func kcatInterop() throws {
        let kcat = try #require(which("kcat"), "kcat must be installed (scripts/setup.sh --tests)")
        let broker = try ChildProcess(try streamscoreExecutable(), ["broker", "--port", "0", "--topic", "interop:3"])
        let bootstrap = try broker.readLine()
        #expect(bootstrap.hasPrefix("127.0.0.1:"), "first line is the bootstrap address only")
        #expect(!bootstrap.contains(" "))

        let lines = (0..<1000).map { "key\($0):value-\($0)" }.joined(separator: "\n") + "\n"
        let produced = try run(kcat, ["-P", "-b", bootstrap, "-t", "interop", "-K:"], stdin: Data(lines.utf8))
        #expect(produced.status == 0, "kcat -P failed: \(produced.error)")

        let consumed = try run(kcat, ["-b", bootstrap, "-G", "interop-group", "-o", "beginning", "-e", "-q",
                                      "-f", "%k=%s\n", "interop"], timeout: .seconds(60))
        let records = consumed.output.split(separator: "\n")
        #expect(records.count == 1000)
        #expect(Set(records).count == 1000)
        #expect(records.contains("key7=value-7"))

        #expect(broker.stop(signal: SIGTERM) == 0, "exits 0 on SIGTERM")
    }

    @Test("--port forwards bootstrap connections from a fixed port, and SIGINT exits 0")
    func fixedPortForwarder() throws {
        let kcat = try #require(which("kcat"))
        // A port the kernel just reported free (a random one sometimes collided with another socket).
        let port = try freeTCPPort()
        let broker = try ChildProcess(try streamscoreExecutable(), ["broker", "--port", "\(port)"])
        #expect(try broker.readLine() == "127.0.0.1:\(port)")
        let metadata = try run(kcat, ["-L", "-b", "127.0.0.1:\(port)", "-J"])
        #expect(metadata.status == 0)
        for topic in ["features", "predictions", "streamscore.replies", "inference-metrics", "features.dlq"] {
            #expect(metadata.output.contains("\"\(topic)\""), "default topic \(topic) exists")
        }
        #expect(broker.stop(signal: SIGINT) == 0)
    }

    @Test("Environment variables fill options: STREAMSCORE_TOPIC")
    func environmentFallback() throws {
        let kcat = try #require(which("kcat"))
        let broker = try ChildProcess(try streamscoreExecutable(), ["broker"],
                                      environment: ["STREAMSCORE_PORT": "0", "STREAMSCORE_TOPIC": "envtopic:2,other:1"])
        let bootstrap = try broker.readLine()
        let metadata = try run(kcat, ["-L", "-b", bootstrap, "-J"])
        #expect(metadata.output.contains("\"envtopic\""))
        #expect(!metadata.output.contains("\"features\""))
        #expect(broker.stop() == 0)
    }
}
