import Foundation
import Testing

@Suite("streamscore worker as a process", .serialized)
struct WorkerCommandTests {
    static func records(_ n: Int, prefix: String) -> Data { records(0..<n, prefix: prefix) }

    static func records(_ range: Range<Int>, prefix: String) -> Data {
        var text = ""
        for i in range {
            text += "\(prefix)\(i):{\"id\":\"\(prefix)\(i)\",\"features\":[5.1,3.5,1.4,\(Double(i % 25) / 10)]}\n"
        }
        return Data(text.utf8)
    }

    /// Ids of every prediction on the topic so far (duplicates kept).
    static func predictionIDs(_ kcat: String, _ bootstrap: String) throws -> [String] {
        let out = try run(kcat, ["-b", bootstrap, "-C", "-t", "predictions", "-o", "beginning", "-e", "-q"],
                          timeout: .seconds(60))
        return out.output.split(separator: "\n").compactMap { line in
            guard let data = line.data(using: .utf8),
                  let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            return object["id"] as? String
        }
    }

    static func startWorker(_ bootstrap: String, _ extra: [String] = []) throws -> ChildProcess {
        try ChildProcess(try streamscoreExecutable(),
                         ["worker", "--brokers", bootstrap, "--models", repositoryRoot.appendingPathComponent("Models").path,
                          "--http-port=-1", "--log-level", "warning"] + extra)
    }

    @Test("Killed abruptly mid-stream, then replaced: every record predicted, duplicates bounded")
    func noLossOnCrash() throws {
        let kcat = try #require(which("kcat"))
        let broker = try ChildProcess(try streamscoreExecutable(), ["broker", "--port", "0"])
        defer { _ = broker.stop() }
        let bootstrap = try broker.readLine()
        let total = 50_000
        // The stream arrives in two parts, the second after the kill, so the first worker dies
        // mid-stream however fast it is.
        let firstPart = 10_000
        #expect(try run(kcat, ["-P", "-b", bootstrap, "-t", "features", "-K:"],
                        stdin: Self.records(0..<firstPart, prefix: "c")).status == 0)

        let inflight = 1_000
        // A short session timeout lets the group drop the killed member soon after the kill.
        let options = ["--max-inflight-rows", "\(inflight)", "--kafka", "auto.commit.interval.ms=20",
                       "--kafka", "session.timeout.ms=6000", "--kafka", "heartbeat.interval.ms=500"]
        let first = try Self.startWorker(bootstrap, options)
        _ = try first.readLine(timeout: .seconds(30))
        let deadline = ContinuousClock.now + .seconds(60)
        var seen = 0
        while seen < 2_000, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.2)
            seen = try Self.predictionIDs(kcat, bootstrap).count
        }
        #expect(seen >= 2_000, "the first worker made progress")
        kill(first.process.processIdentifier, SIGKILL)
        first.process.waitUntilExit()
        let beforeCrash = try Self.predictionIDs(kcat, bootstrap).count
        #expect(beforeCrash < total, "killed mid-stream")
        #expect(try run(kcat, ["-P", "-b", bootstrap, "-t", "features", "-K:"],
                        stdin: Self.records(firstPart..<total, prefix: "c")).status == 0)

        let second = try Self.startWorker(bootstrap, options)
        _ = try second.readLine(timeout: .seconds(30))
        var ids: [String] = []
        let finish = ContinuousClock.now + .seconds(120)
        while Set(ids).count < total, ContinuousClock.now < finish {
            Thread.sleep(forTimeInterval: 0.5)
            ids = try Self.predictionIDs(kcat, bootstrap)
        }
        #expect(second.stop(signal: SIGTERM) == 0)
        #expect(Set(ids) == Set((0..<total).map { "c\($0)" }), "every input id has a prediction")
        let duplicates = ids.count - Set(ids).count
        // Redelivered: records in flight at the kill plus those acknowledged after the last commit.
        #expect(duplicates <= 3 * inflight, "duplicates: \(duplicates)")
    }

    @Test("SIGTERM drains, commits and exits 0; a successor finds nothing left to do")
    func gracefulShutdown() throws {
        let kcat = try #require(which("kcat"))
        let broker = try ChildProcess(try streamscoreExecutable(), ["broker", "--port", "0"])
        defer { _ = broker.stop() }
        let bootstrap = try broker.readLine()
        #expect(try run(kcat, ["-P", "-b", bootstrap, "-t", "features", "-K:"], stdin: Self.records(5_000, prefix: "g")).status == 0)
        let worker = try Self.startWorker(bootstrap)
        let startLine = try worker.readLine(timeout: .seconds(30))
        #expect(startLine.contains("group=streamscore-workers") && startLine.contains("models=iris:1"))
        var ids: [String] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while ids.count < 5_000, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.3)
            ids = try Self.predictionIDs(kcat, bootstrap)
        }
        #expect(ids.count == 5_000)
        let stopped = ContinuousClock.now
        #expect(worker.stop(signal: SIGTERM) == 0, "exit code 0")
        #expect(ContinuousClock.now - stopped < .seconds(12), "within the shutdown deadline")

        let successor = try Self.startWorker(bootstrap)
        _ = try successor.readLine(timeout: .seconds(30))
        Thread.sleep(forTimeInterval: 6)
        #expect(successor.stop(signal: SIGINT) == 0)
        #expect(try Self.predictionIDs(kcat, bootstrap).count == 5_000, "offsets were committed: nothing redelivered")
    }
}
