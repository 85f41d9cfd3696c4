import ArgumentParser
import Foundation
import StreamScoreContract
import StreamScoreMonitor

/// `streamscore model status`: what each live worker serves, from the metrics topic.
struct ModelStatusCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what each worker serves (versions, pin, canary, shadow) and recent model events.",
        discussion: """
        Reads the recent records of the metrics topic (like `streamscore monitor`): the latest \
        metrics record of each worker heard from within --max-age-s, and the last model events \
        (loads, refusals, control).
        """)
    static let environmentOptions = ["brokers", "metrics-topic", "kafka", "max-age-s", "events", "json"]
    static let environmentLists = ["kafka"]
    static let environmentFlags = ["json"]

    @Option(help: "Kafka bootstrap servers, comma-separated.")
    var brokers: String

    @Option(help: "Topic of metrics records.")
    var metricsTopic = "inference-metrics"

    @Option(name: .customLong("kafka"), help: "A librdkafka property NAME=VALUE (repeatable).")
    var kafkaProperties: [String] = []

    @Option(help: "Workers not heard from for this many seconds are left out.")
    var maxAgeS: Double = 30

    @Option(help: "How many recent model events to show.")
    var events = 10

    @Flag(help: "Print JSON: {\"workers\": {id: {model: routing}}, \"events\": [...]}.")
    var json = false

    /// What `--json` prints.
    struct Status: Codable {
        var workers: [String: [String: ModelRouting]]
        var events: [ModelEventRecord]
    }

    func run() async throws {
        var config = MetricsFeedConfiguration(brokers: brokers, topic: metricsTopic)
        config.kafkaProperties = try parseKafkaProperties(kafkaProperties)
        config.maxEvents = max(config.maxEvents, events)
        let feed = MetricsFeed(configuration: config, logger: makeLogger(label: "streamscore.model", level: .warning))
        let reading = Task { try await feed.run() }
        let caughtUp = await feed.waitUntilCaughtUp(timeout: .seconds(15))
        let snapshot = feed.snapshot()
        reading.cancel()
        _ = try? await reading.value
        if !caughtUp { throw ValidationError("could not read \(metricsTopic) from \(brokers) within 15 s") }
        let status = Self.status(of: snapshot, maxAgeSeconds: maxAgeS, events: events)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            printLine(String(decoding: try encoder.encode(status), as: UTF8.self))
            return
        }
        if status.workers.isEmpty { printLine("no worker reported to \(metricsTopic) in the last \(maxAgeS) s") }
        for (worker, models) in status.workers.sorted(by: { $0.key < $1.key }) {
            printLine("worker \(worker)")
            for (name, r) in models.sorted(by: { $0.key < $1.key }) {
                var line = "  \(name): serving \(r.serving) (latest \(r.latest); loaded \(r.versions.joined(separator: ", ")))"
                if let pinned = r.pinned { line += " pinned \(pinned)" }
                if r.rolledBack { line += " rolled back" }
                if let canary = r.canary { line += " canary \(canary.version) at \(canary.percent)%" }
                if let shadow = r.shadow { line += " shadow \(shadow)" }
                printLine(line)
            }
        }
        if !status.events.isEmpty {
            printLine("recent model events")
            for e in status.events {
                let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(e.timeMs) / 1000))
                printLine("  \(time) \(e.worker) \(e.model) \(e.version ?? "-") \(e.event.rawValue): \(e.reason)")
            }
        }
    }

    /// The routing of each worker heard from within `maxAgeSeconds`, and the last `events` model
    /// events, oldest first.
    static func status(of snapshot: MonitorSnapshot, maxAgeSeconds: Double, events: Int) -> Status {
        var workers: [String: [String: ModelRouting]] = [:]
        for w in snapshot.workers where w.ageSeconds <= maxAgeSeconds {
            workers[w.id] = w.routing ?? w.models.mapValues { ModelRouting(serving: $0, latest: $0, versions: [$0]) }
        }
        let recent = snapshot.events.sorted { $0.timeMs < $1.timeMs }.suffix(max(0, events))
        return Status(workers: workers, events: Array(recent))
    }
}
