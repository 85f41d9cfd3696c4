import ArgumentParser
import Foundation
import StreamScoreKafka

/// Runs `streamscore worker` as its own process over the preloaded records, so its memory is
/// measured apart from the embedded broker (which holds every topic's records in this process).
enum WorkerProcessRun {
    struct Result {
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
        // Progress is the output topic's end offsets rather than records read back: at ~170k
        // predictions/s a reader falls behind the embedded broker's ~5 MiB per-partition
        // retention, and records deleted before it reads them would never be counted.
        var options = ConsumerOptions()
        options.maxBufferedMessages = 1
        let reader = try KafkaTopicReader(configuration: KafkaConfiguration(bootstrapServers: bootstrap),
                                          topic: outputTopic, start: .end, options: options)
        var seen = 0
        var lastReport = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(300)
        while seen < records, ContinuousClock.now < deadline, process.isRunning {
            let ends = await reader.endOffsets(timeout: .seconds(1))
            seen = Int(ends.values.reduce(0, +))
            if ContinuousClock.now - lastReport > .seconds(1) {
                lastReport = .now
                printError("  worker process: \(seen) / \(records) predictions")
            }
            if seen < records { try await Task.sleep(for: .milliseconds(5)) }
        }
        let rss = peakRSSMegabytes(ofProcess: process.processIdentifier)
        await reader.close()
        kill(process.processIdentifier, SIGTERM)
        guard seen >= records else {
            throw ValidationError("the worker process produced \(seen) of \(records) predictions")
        }
        return Result(peakRSSMegabytes: rss)
    }
}
