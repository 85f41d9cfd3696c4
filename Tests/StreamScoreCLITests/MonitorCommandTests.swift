import Foundation
import Testing

// Blocking work (child processes, pipes) runs on dedicated threads through `onThread`, so these
// tests never hold a thread of the cooperative pool that in-process suites need at the same time.

extension LiveMonitoringTests {
    @Test("monitor --once against streamscore dev shows the worker, nonzero records/s, a p99, iris:1 and drift")
    func monitorOnce() async throws {
        let dev = try Self.dev
        let executable = try streamscoreExecutable().path
        let result = try await onThread {
            try run(executable, ["monitor", "--brokers", dev.bootstrap, "--once"], timeout: .seconds(60))
        }
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
        // The synthetic drift of fraud:7: amount is the worst feature over the threshold.
        let drift = try #require(lines.first { $0.hasPrefix("fraud:7") }, "\(result.output)")
        #expect(drift.contains("DRIFT") && drift.contains("2/4 features over 0.2: amount 0.550, merchant_risk 0.340"),
                "\(drift)")
        #expect(lines.contains { $0.contains("refused") && $0.contains("unsupported operator Foo") })
    }

    @Test("monitor without a terminal appends key=value lines per refresh, configured by STREAMSCORE_* variables")
    func monitorPipedLines() async throws {
        let dev = try Self.dev
        let executable = try streamscoreExecutable()
        let (lines, status) = try await onThread { () -> ([String], Int32) in
            let monitor = try ChildProcess(executable, ["monitor"], environment: [
                "STREAMSCORE_BROKERS": dev.bootstrap, "STREAMSCORE_INTERVAL_MS": "300",
            ])
            var lines: [String] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while lines.filter({ $0.contains(dev.workerIDSuffix) && $0.contains("state=live") }).count < 3,
                  ContinuousClock.now < deadline {
                guard let line = try? monitor.readLine(timeout: .seconds(20)) else { break }
                lines.append(line)
            }
            return (lines, monitor.stop(signal: SIGINT, timeout: .seconds(10)))
        }
        #expect(!lines.contains { $0.contains("\u{1B}") }, "no terminal escapes in piped output")
        let workerLines = lines.filter { $0.contains("worker=") && $0.contains(dev.workerIDSuffix) && $0.contains("state=live") }
        #expect(workerLines.count == 3, "one line per refresh for the dev worker: \(lines)")
        #expect(workerLines.allSatisfy { $0.contains("records/s=") && $0.contains("p99_ms=") && $0.contains("models=iris:1") })
        #expect(lines.contains { $0.contains("drift model=fraud:7 drifting=true") }, "a line for the drift window")
        #expect(status == 0, "SIGINT stops it with 0")
    }
}

@Suite("streamscore monitor failures")
struct MonitorFailureTests {
    @Test("--once fails clearly: exit 1 when the brokers cannot be reached, 2 when the topic holds no records")
    func onceFailures() async throws {
        let executable = try streamscoreExecutable()
        let closed = try freeTCPPort()
        let unreachable = try await onThread {
            try run(executable.path, ["monitor", "--brokers", "127.0.0.1:\(closed)", "--once", "--timeout-ms", "1500"],
                    timeout: .seconds(30))
        }
        #expect(unreachable.status == 1)
        #expect(unreachable.error.contains("no answer from the Kafka brokers at 127.0.0.1:\(closed)"), "\(unreachable.error)")

        let (empty, brokerStatus) = try await onThread { () -> ((status: Int32, output: String, error: String), Int32) in
            let broker = try ChildProcess(executable, ["broker", "--port", "0"])
            defer { _ = broker.stop() }
            let bootstrap = try broker.readLine(timeout: .seconds(30)).split(separator: " ").last.map(String.init) ?? ""
            let empty = try run(executable.path, ["monitor", "--brokers", bootstrap, "--once", "--timeout-ms", "3000"],
                                timeout: .seconds(30))
            return (empty, broker.stop(signal: SIGINT))
        }
        #expect(empty.status == 2, "\(empty.output) \(empty.error)")
        #expect(empty.error.contains("no records on inference-metrics"), "\(empty.error)")
        #expect(brokerStatus == 0)
    }
}
