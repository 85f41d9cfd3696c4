import ArgumentParser
import Foundation
import Logging
import StreamScoreKafka
import StreamScoreWorker

/// `streamscore bench worker`: worker throughput and latency on a preloaded embedded broker,
/// next to the raw pass-through rate measured in the same run.
struct BenchWorkerCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Benchmark a worker on N preloaded iris records (at-least-once, offsets stored after ack)."
    )
    static let environmentOptions = ["records", "rounds", "models", "max-batch-rows", "max-batch-delay-ms", "lanes",
                                     "max-inflight-rows", "reference", "drift", "worker-process"]
    static let environmentFlags = ["drift", "worker-process"]

    @Option(help: "Records to preload over 6 partitions.")
    var records = 200_000

    @Option(help: "Rounds of pass-through then worker over the same records (fresh groups each round); the medians are reported. One run lasts well under a second here, so single runs vary by ±20%.")
    var rounds = 3

    @Option(help: "Model store directory.")
    var models = "Models"

    @Option(help: "Worker --max-batch-rows.")
    var maxBatchRows = 256

    @Option(help: "Worker --max-batch-delay-ms.")
    var maxBatchDelayMs: Double = 2

    @Option(help: "Worker --lanes.")
    var lanes = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Worker --max-inflight-rows.")
    var maxInflightRows = 20_000

    @Option(name: .customLong("kafka"), help: "A librdkafka property NAME=VALUE for the worker's clients (repeatable).")
    var kafkaProperties: [String] = []

    @Option(help: "Path to the C pass-through ruler (built from shared/reference/passthrough.c).")
    var reference: String?

    @Flag(help: "Also run `streamscore worker` as its own process on the same records and report its peak RSS (the in-process figure includes the embedded broker and every topic's records).")
    var workerProcess = false

    @Flag(help: "Measure the cost of drift monitoring: run the worker with drift off and on, twice each, alternating.")
    var drift = false

    func run() async throws {
        let broker = try EmbeddedBroker(topics: [
            TopicSpec("features", partitions: 6), TopicSpec("predictions", partitions: 6),
            TopicSpec("inference-metrics", partitions: 1), TopicSpec("features.dlq", partitions: 1),
            TopicSpec("bench-pass-out", partitions: 6), TopicSpec("bench-ref-out", partitions: 6),
            TopicSpec("bench-process-out", partitions: 6),
        ])
        defer { broker.shutdown() }
        printError("preloading \(records) iris records on \(broker.bootstrapServers)")
        _ = try await KafkaBenchmarks.produce(bootstrap: broker.bootstrapServers, topic: "features", count: records,
                                              value: BenchRecords.iris)

        var cRate: Double?
        if let reference {
            cRate = try ReferenceRuler.passThrough(executable: reference, bootstrap: broker.bootstrapServers,
                                                   input: "features", output: "bench-ref-out", count: records)
            printLine(String(format: "C pass-through      %10.0f records/s", cRate!))
        }

        if drift {
            var best: [Bool: Double] = [:]
            for (round, on) in [false, true, false, true].enumerated() {
                let run = try await runWorker(broker, group: "bench-worker-\(round)", driftWindowRows: on ? 5000 : 0)
                printLine("worker, drift \(on ? "on " : "off")     " + String(format: "%10.0f records/s", run.rate))
                best[on] = max(best[on] ?? 0, run.rate)
            }
            let slowdown = 1 - best[true]! / best[false]!
            printLine(String(format: "drift cost          %10.1f %%  (best of 2 with drift on vs off; 5,000-row windows)", slowdown * 100))
            printLine("{\"bench\": \"worker-drift\", \"records\": \(records), \"drift_off_per_s\": \(Int(best[false]!)), "
                      + "\"drift_on_per_s\": \(Int(best[true]!)), " + String(format: "\"slowdown_pct\": %.1f}", slowdown * 100))
            return
        }
        // Alternate the ruler and the worker so both see the same machine state; report medians.
        var passRates: [Double] = []
        var runs: [(rate: Double, seconds: Double, summary: WorkerSummary)] = []
        for round in 1...max(1, rounds) {
            let pass = try await KafkaBenchmarks.passThrough(bootstrap: broker.bootstrapServers, input: "features",
                                                             output: "bench-pass-out", count: records)
            let run = try await runWorker(broker, group: "bench-worker-\(round)", driftWindowRows: 5000)
            passRates.append(pass.recordsPerSecond)
            runs.append(run)
            printLine(String(format: "round %d: swift pass-through %8.0f records/s, worker %8.0f records/s (%.2f s), ratio %.2f",
                             round, pass.recordsPerSecond, run.rate, run.seconds, run.rate / pass.recordsPerSecond))
        }
        let median = runs.sorted { $0.rate < $1.rate }[runs.count / 2]
        let passRate = passRates.sorted()[passRates.count / 2]
        let ratios = zip(runs, passRates).map { $0.rate / $1 }.sorted()
        let (rate, summary) = (median.rate, median.summary)
        printLine(String(format: "swift pass-through  %10.0f records/s  (median of %d)", passRate, runs.count))
        let rss = peakRSSMegabytes()
        printLine(String(format: "worker              %10.0f records/s  (median of %d; first consume to last stored offset)", rate, runs.count))
        printLine(String(format: "ratio               %10.2f  (median of the rounds' worker / swift pass-through)", ratios[ratios.count / 2]))
        if let cRate { printLine(String(format: "ratio               %10.2f  (worker / C pass-through)", rate / cRate)) }
        printLine(String(format: "in-worker latency   p50 %.2f ms  p99 %.2f ms  (consume to produce; median round)",
                         summary.inWorkerMs.p50, summary.inWorkerMs.p99))
        printLine(String(format: "end-to-end latency  p50 %.1f ms  p99 %.1f ms  (from the Kafka timestamp; includes preload wait)",
                         summary.endToEndMs.p50, summary.endToEndMs.p99))
        printLine(String(format: "mean batch          %10.1f rows", summary.meanBatchRows))
        printLine(String(format: "peak RSS            %10.1f MB  (this process: worker, embedded broker and all topics)", rss))
        var processRSS: Double?
        if workerProcess {
            let run = try await WorkerProcessRun.run(
                bootstrap: broker.bootstrapServers, models: models, records: records, outputTopic: "bench-process-out",
                arguments: ["--max-batch-rows", "\(maxBatchRows)", "--max-batch-delay-ms", "\(maxBatchDelayMs)",
                            "--lanes", "\(lanes)", "--max-inflight-rows", "\(maxInflightRows)"]
                    + kafkaProperties.flatMap { ["--kafka", $0] })
            processRSS = run.peakRSSMegabytes
            printLine(String(format: "worker process RSS  %10.1f MB  (peak, streamscore worker alone)", run.peakRSSMegabytes))
        }
        printLine("{\"bench\": \"worker\", \"records\": \(records), \"records_per_s\": \(Int(rate)), "
                  + "\"passthrough_per_s\": \(Int(passRate)), \"rounds\": \(runs.count), "
                  + String(format: "\"ratio\": %.3f, ", ratios[ratios.count / 2])
                  + (cRate.map { "\"c_passthrough_per_s\": \(Int($0)), " } ?? "")
                  + String(format: "\"in_worker_p50_ms\": %.3f, \"in_worker_p99_ms\": %.3f, ", summary.inWorkerMs.p50, summary.inWorkerMs.p99)
                  + String(format: "\"e2e_p50_ms\": %.1f, \"e2e_p99_ms\": %.1f, \"mean_batch_rows\": %.1f, \"peak_rss_mb\": %.1f",
                           summary.endToEndMs.p50, summary.endToEndMs.p99, summary.meanBatchRows, rss)
                  + (processRSS.map { String(format: ", \"worker_process_rss_mb\": %.1f", $0) } ?? "") + "}")
    }
}

/// The records the worker benchmarks score.
enum BenchRecords {
    static let irisRows: [[Double]] = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4], [6.3, 3.3, 6.0, 2.5], [5.8, 2.7, 5.1, 1.9],
                                       [4.9, 3.0, 1.4, 0.2], [5.7, 2.8, 4.1, 1.3]]

    /// Record `i`: `{"id":"r<i>","features":[…]}` with one of six iris rows.
    static func iris(_ i: Int) -> [UInt8] {
        let r = irisRows[i % irisRows.count]
        return Array("{\"id\":\"r\(i)\",\"features\":[\(r[0]),\(r[1]),\(r[2]),\(r[3])]}".utf8)
    }
}

extension BenchWorkerCommand {
    /// Runs a worker over every preloaded record with a fresh group; returns its rate.
    func runWorker(_ broker: EmbeddedBroker, group: String, driftWindowRows: Int) async throws
        -> (rate: Double, seconds: Double, summary: WorkerSummary) {
        var config = WorkerConfiguration(brokers: broker.bootstrapServers)
        config.group = group
        config.modelsDirectory = models
        config.maxBatchRows = maxBatchRows
        config.maxBatchDelay = .microseconds(Int64(maxBatchDelayMs * 1000))
        config.lanes = lanes
        config.maxInflightRows = maxInflightRows
        config.httpPort = nil
        config.driftWindowRows = driftWindowRows
        config.modelPollInterval = nil
        config.kafkaProperties = try parseKafkaProperties(kafkaProperties)
        var logger = Logger(label: "bench.worker")
        logger.logLevel = .error
        let worker = try Worker(configuration: config, logger: logger)
        let task = Task { try await worker.run() }
        let deadline = ContinuousClock.now + .seconds(300)
        var lastReport = ContinuousClock.now
        while worker.progress.acknowledged < records, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
            if ContinuousClock.now - lastReport > .seconds(1) {
                lastReport = .now
                printError("  \(worker.progress.acknowledged) / \(records) acknowledged")
            }
        }
        let end = ContinuousClock.now
        let progress = worker.progress
        let summary = worker.summary
        worker.requestStop()
        try await task.value
        guard progress.acknowledged >= records, let first = progress.firstConsume else {
            throw ValidationError("worker acknowledged only \(progress.acknowledged) of \(records) records")
        }
        let seconds = (end - first).seconds
        return (Double(records) / seconds, seconds, summary)
    }
}

/// Peak resident set size (VmHWM) of this process, or of another one, in megabytes.
func peakRSSMegabytes(ofProcess pid: Int32? = nil) -> Double {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    guard let status = try? String(contentsOfFile: path, encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
        let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kb / 1024
    }
    return 0
}
