import ArgumentParser
import Foundation
import Logging
import StreamScoreWorker

/// `streamscore bench scoring`: the worker's own CPU per record, without Kafka.
struct BenchScoringCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scoring",
        abstract: "Measure the worker's own work per record (decode, score, drift, encode) on one thread, without Kafka.",
        discussion: """
        Scores the iris records `bench worker` preloads, in batches as the worker's intake builds \
        them, with the worker's batch processing and drift windows (5,000 rows unless told), but no \
        Kafka client: this is the work a pass-through doesn't do. Time is the scoring thread's CPU \
        time. Prints ns per record for each round, then one JSON line: {"bench": "scoring", \
        "ns_per_record", "best_ns_per_record", "records_per_s", "output_bytes_per_record"}.
        """
    )

    @Option(help: "Records per round.")
    var records = 200_000

    @Option(help: "Rounds; the median and the best are reported (the best is the least disturbed by other load).")
    var rounds = 9

    @Option(help: "Rows per batch.")
    var maxBatchRows = 256

    @Option(help: "Model store directory.")
    var models = "Models"

    @Option(help: "Drift window in rows, as the worker's --drift-window-rows; 0 turns drift monitoring off.")
    var driftWindowRows = 5_000

    func validate() throws {
        guard records > 0, rounds > 0, maxBatchRows > 0 else {
            throw ValidationError("--records, --rounds and --max-batch-rows must be positive")
        }
    }

    func run() throws {
        var config = WorkerConfiguration(brokers: "unused")
        config.modelsDirectory = models
        config.maxBatchRows = maxBatchRows
        config.driftWindowRows = driftWindowRows
        var logger = Logger(label: "bench.scoring")
        logger.logLevel = .error
        let values = (0..<records).map(BenchRecords.iris)
        // One warm-up round, then the measured ones.
        _ = try ScoringBenchmark.run(configuration: config, values: values, batchRows: maxBatchRows, rounds: 1, logger: logger)
        var results: [ScoringBenchmark.Result] = []
        for round in 1...rounds {
            let result = try ScoringBenchmark.run(configuration: config, values: values, batchRows: maxBatchRows, rounds: 1,
                                                  logger: logger)
            printLine(String(format: "round %d: %6.0f ns/record  (%8.0f records/s on one thread)", round,
                             result.nanosecondsPerRecord, result.recordsPerSecond))
            results.append(result)
        }
        let sorted = results.sorted { $0.nanosecondsPerRecord < $1.nanosecondsPerRecord }
        let (best, median) = (sorted[0], sorted[sorted.count / 2])
        printLine(String(format: "scoring             %6.0f ns/record  (median of %d; best %.0f; %.0f output bytes per record)",
                         median.nanosecondsPerRecord, results.count, best.nanosecondsPerRecord, median.outputBytesPerRecord))
        printLine(String(format: "{\"bench\": \"scoring\", \"records\": %d, \"ns_per_record\": %.1f, \"best_ns_per_record\": %.1f, "
                         + "\"records_per_s\": %.0f, \"output_bytes_per_record\": %.1f}", records, median.nanosecondsPerRecord,
                         best.nanosecondsPerRecord, median.recordsPerSecond, median.outputBytesPerRecord))
    }
}
