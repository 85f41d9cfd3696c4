import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StreamScoreMonitor

/// `streamscore monitor`: a live terminal view of the workers, read from the metrics topic.
struct MonitorCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Watch the workers live in the terminal, from the metrics topic.",
        discussion: """
        Reads --metrics-topic with no consumer group, starting with the last minutes of history, \
        and shows per worker: records/s, end-to-end latency p50, p99 and p99.9 (ms), mean batch \
        size (rows), in-flight rows, dead letters per second, consumer lag and the model versions \
        served (with canary, shadow and pin state); per model version: drift, with the features \
        over the PSI threshold, worst first; and the latest model events. Workers with no record \
        for a few intervals show as stale, then disappear.

        On a terminal the view refreshes in place every --interval-ms; otherwise (a pipe or a file) \
        it appends plain key=value lines per refresh: one per worker, plus one per new drift \
        window and per new model event.

        With --once it waits (at most --timeout-ms) until it has read the recent history and a \
        live worker reported, prints one view and exits: 0 with data, 1 when the brokers cannot \
        be reached or the history cannot be read in time, 2 when the topic holds no recent records.

        Every option also reads STREAMSCORE_<OPTION>, e.g. --brokers from STREAMSCORE_BROKERS.
        """
    )
    static let environmentOptions = ["brokers", "metrics-topic", "once", "interval-ms", "timeout-ms", "kafka", "log-level"]
    static let environmentFlags = ["once"]
    static let environmentLists = ["kafka"]

    @Option(help: "Kafka bootstrap servers, comma-separated.")
    var brokers: String

    @Option(help: "Topic the workers produce metrics, drift and model-event records to.")
    var metricsTopic = "inference-metrics"

    @Flag(help: "Print one view once the recent history is read, then exit.")
    var once = false

    @Option(help: "How often the view refreshes, in milliseconds.")
    var intervalMs = 1000

    @Option(help: "With --once: how long to wait for the brokers, the history and a live worker, in milliseconds.")
    var timeoutMs = 15_000

    @Option(name: .customLong("kafka"), help: "A librdkafka property NAME=VALUE for the reader (repeatable).")
    var kafkaProperties: [String] = []

    @Option(help: "Log level (logs go to stderr): trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .error

    func validate() throws {
        guard intervalMs >= 100 else { throw ValidationError("--interval-ms must be at least 100") }
        guard timeoutMs >= 100 else { throw ValidationError("--timeout-ms must be at least 100") }
        _ = try parseKafkaProperties(kafkaProperties)
    }

    func run() async throws {
        let logger = makeLogger(label: "streamscore.monitor", level: logLevel)
        var config = MetricsFeedConfiguration(brokers: brokers, topic: metricsTopic)
        config.kafkaProperties = try parseKafkaProperties(kafkaProperties)
        let feed = MetricsFeed(configuration: config, logger: logger)
        if once {
            try await runOnce(feed)
        } else {
            let display = MonitorDisplay(feed: feed, brokers: brokers, interval: .milliseconds(intervalMs),
                                         isTerminal: isatty(STDOUT_FILENO) != 0)
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: feed), .init(service: display)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }

    private func runOnce(_ feed: MetricsFeed) async throws {
        let reading = Task { try await feed.run() }
        let timeout = Duration.milliseconds(timeoutMs)
        let deadline = ContinuousClock.now + timeout
        let outcome = await waitForData(feed, timeout: timeout, deadline: deadline)
        reading.cancel()
        _ = try? await reading.value
        switch outcome {
        case .failure(let message, let code):
            printError(message)
            throw ExitCode(code)
        case .success(let snapshot):
            for line in MonitorText.screen(snapshot, brokers: brokers) { printLine(line) }
        }
    }

    private enum Outcome {
        case success(MonitorSnapshot)
        case failure(String, Int32)
    }

    private func waitForData(_ feed: MetricsFeed, timeout: Duration, deadline: ContinuousClock.Instant) async -> Outcome {
        let seconds = String(format: "%.1f", Double(timeoutMs) / 1000)
        guard await feed.waitUntilCaughtUp(timeout: timeout) else {
            let status = feed.status
            switch status.state {
            case .connecting:
                return .failure("streamscore monitor: no answer from the Kafka brokers at \(brokers) within \(seconds) s "
                    + "(nothing read from \(metricsTopic)); are they running and reachable?", 1)
            case .failed:
                return .failure("streamscore monitor: cannot read \(metricsTopic): \(status.error ?? "unknown error")", 1)
            default:
                return .failure("streamscore monitor: still reading the history of \(metricsTopic) after \(seconds) s "
                    + "(\(status.recordsRead) records read); try a larger --timeout-ms", 1)
            }
        }
        // Right after a worker starts, its first record may be a moment away.
        let waitForLive = min(deadline, ContinuousClock.now + .seconds(5))
        while feed.snapshot().liveWorkers.isEmpty, ContinuousClock.now < waitForLive {
            try? await Task.sleep(for: .milliseconds(100))
        }
        let snapshot = feed.snapshot()
        if snapshot.workers.isEmpty && snapshot.drift.isEmpty && snapshot.events.isEmpty {
            return .failure("streamscore monitor: no records on \(metricsTopic) from the last \(snapshot.windowSeconds / 60) "
                + "minutes (\(snapshot.feed.recordsRead) read); is a worker running with --metrics-topic \(metricsTopic)?", 2)
        }
        return .success(snapshot)
    }
}

/// Redraws the view every interval until shutdown.
struct MonitorDisplay: Service {
    let feed: MetricsFeed
    let brokers: String
    let interval: Duration
    let isTerminal: Bool

    func run() async throws {
        if isTerminal { write("\u{1B}[?25l\u{1B}[2J") }  // hide the cursor, clear once
        defer { if isTerminal { write("\u{1B}[?25h\n") } }
        _ = await feed.waitUntilCaughtUp(timeout: .seconds(2))  // a first view with the history in it
        await cancelWhenGracefulShutdown {
            var cursor = MonitorText.LogCursor()
            while !Task.isCancelled {
                let snapshot = feed.snapshot()
                if isTerminal {
                    // Home, each line cleared to its end, then everything below cleared: no flicker.
                    let lines = MonitorText.screen(snapshot, brokers: brokers) + ["", "Ctrl-C to quit."]
                    write("\u{1B}[H" + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\n") + "\u{1B}[J")
                } else {
                    let lines = MonitorText.logLines(snapshot, cursor: &cursor)
                    if !lines.isEmpty { write(lines.joined(separator: "\n") + "\n") }
                }
                try? await Task.sleep(for: interval)
            }
        }
    }

    private func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
