import ArgumentParser
import Foundation
import StreamScoreKafka

/// Runs `streamscore worker` as its own process over the preloaded records, so its memory is
/// measured apart from the embedded broker (which holds every topic's records in this process).
enum WorkerProcessRun {
    struct Result {
        /// From the first prediction read back to the last.
        var seconds: Double
        /// The worker process's peak resident set (VmHWM), in megabytes.
        var peakRSSMegabytes: Double
    }

    static func run(bootstrap: String, models: String, records: Int, outputTopic: String,
                    arguments: [String]) async throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["worker", "--brokers", bootstrap, "--group", "bench-worker-process", "--models", models,
                             "--output-topic", outputTopic, "--http-port=-1", "--log-level", "error",
                             "--model-poll-ms", "0"] + arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        let reader = try KafkaTopicReader(configuration: KafkaConfiguration(bootstrapServers: bootstrap),
                                          topic: outputTopic, start: .beginning)
        var seen = 0
        var first: ContinuousClock.Instant?
        var lastReport = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(300)
        while seen < records, ContinuousClock.now < deadline, process.isRunning {
            guard let batch = await reader.nextBatch(timeout: .milliseconds(200)) else { break }
            if !batch.isEmpty && first == nil { first = .now }
            seen += batch.count
            if ContinuousClock.now - lastReport > .seconds(1) {
                lastReport = .now
                printError("  worker process: \(seen) / \(records) predictions")
            }
        }
        let end = ContinuousClock.now
        let rss = peakRSSMegabytes(ofProcess: process.processIdentifier)
        await reader.close()
        kill(process.processIdentifier, SIGTERM)
        guard seen >= records, let first else {
            throw ValidationError("the worker process produced \(seen) of \(records) predictions")
        }
        return Result(seconds: (end - first).seconds, peakRSSMegabytes: rss)
    }
}
