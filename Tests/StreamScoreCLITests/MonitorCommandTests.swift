import Foundation
import Testing

@Suite("streamscore monitor", .serialized)
struct MonitorCommandTests {
    @Test("--once against streamscore dev shows the worker, nonzero records/s, a p99, iris:1 and drift")
    func onceAgainstDev() throws {
        let dev = try DevStack(demo: 200)
        defer { _ = dev.process.stop() }
        try dev.produce(topic: "inference-metrics", syntheticDriftAndEvents(worker: "synthetic-worker"))
        let result = try run(try streamscoreExecutable().path, ["monitor", "--brokers", dev.bootstrap, "--once"],
                             timeout: .seconds(60))
        #expect(result.status == 0, "stderr: \(result.error)")
        let lines = result.output.split(separator: "\n").map(String.init)
        let header = try #require(lines.first { $0.hasPrefix("WORKER") }, "\(result.output)")
        #expect(header.contains("RECORDS/S") && header.contains("P99 MS") && header.contains("P99.9 MS"))
        let row = try #require(lines.first { $0.split(separator: " ").first?.hasSuffix(dev.workerIDSuffix) == true },
                               "a row for the dev worker: \(result.output)")
        let cells = row.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        // WORKER STATE RECORDS/S P50 P99 P99.9 BATCH IN-FLIGHT DLQ/S LAG MODELS
        #expect(cells[1] == "live")
        #expect((Double(cells[2].replacingOccurrences(of: ",", with: "")) ?? 0) > 0, "records/s in \(row)")
        #expect((Double(cells[4]) ?? 0) > 0, "p99 in \(row)")
        #expect(cells.last == "iris:1")
        // The synthetic drift: petal_length is the worst feature over the threshold.
        let drift = try #require(lines.first { $0.hasPrefix("iris:1") }, "\(result.output)")
        #expect(drift.contains("DRIFT") && drift.contains("2/4 features over 0.2: petal_length 0.550, petal_width 0.340"))
        #expect(lines.contains { $0.contains("refused") && $0.contains("unsupported operator Foo") })
        #expect(dev.process.stop(signal: SIGINT, timeout: .seconds(20)) == 0)
    }

    @Test("Without a terminal it appends key=value lines per refresh, configured by STREAMSCORE_* variables")
    func pipedLines() throws {
        let dev = try DevStack(demo: 100)
        defer { _ = dev.process.stop() }
        let monitor = try ChildProcess(try streamscoreExecutable(), ["monitor"],
                                       environment: ["STREAMSCORE_BROKERS": dev.bootstrap, "STREAMSCORE_INTERVAL_MS": "300"])
        defer { _ = monitor.stop() }
        var workerLines: [String] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while workerLines.count < 3, ContinuousClock.now < deadline {
            let line = try monitor.readLine(timeout: .seconds(20))
            #expect(!line.contains("\u{1B}"), "no terminal escapes in piped output")
            if line.contains("worker=") && line.contains(dev.workerIDSuffix) && line.contains("state=live") {
                workerLines.append(line)
            }
        }
        #expect(workerLines.count == 3, "one line per refresh for the dev worker")
        #expect(workerLines.allSatisfy { $0.contains("records/s=") && $0.contains("p99_ms=") && $0.contains("models=iris:1") })
        #expect(monitor.stop(signal: SIGINT, timeout: .seconds(10)) == 0)
        #expect(dev.process.stop(signal: SIGINT, timeout: .seconds(20)) == 0)
    }

    @Test("--once fails clearly: exit 1 when the brokers cannot be reached, 2 when the topic holds no records")
    func onceFailures() throws {
        let closed = try freeTCPPort()
        let unreachable = try run(try streamscoreExecutable().path,
                                  ["monitor", "--brokers", "127.0.0.1:\(closed)", "--once", "--timeout-ms", "1500"],
                                  timeout: .seconds(30))
        #expect(unreachable.status == 1)
        #expect(unreachable.error.contains("no answer from the Kafka brokers at 127.0.0.1:\(closed)"), "\(unreachable.error)")

        let broker = try ChildProcess(try streamscoreExecutable(), ["broker", "--port", "0"])
        defer { _ = broker.stop() }
        let bootstrap = try broker.readLine(timeout: .seconds(30)).split(separator: " ").last.map(String.init) ?? ""
        let empty = try run(try streamscoreExecutable().path,
                            ["monitor", "--brokers", bootstrap, "--once", "--timeout-ms", "3000"], timeout: .seconds(30))
        #expect(empty.status == 2, "\(empty.output) \(empty.error)")
        #expect(empty.error.contains("no records on inference-metrics"), "\(empty.error)")
        #expect(broker.stop(signal: SIGINT) == 0)
    }
}
