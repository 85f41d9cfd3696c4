import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import StreamScoreGateway
import StreamScoreKafka
import StreamScoreWorker

/// `streamscore bench gateway`: HTTP round trips through gateway, Kafka and worker, in one process.
struct BenchGatewayCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "Benchmark POST /predict end to end: HTTP → gateway → Kafka → worker → Kafka → gateway → HTTP.",
        discussion: """
        Starts an embedded broker, a worker and a gateway in this process, then drives the \
        gateway over keep-alive HTTP connections in closed loops (each connection sends its next \
        request when the answer arrives) with the two-row tutorial body, for each --connections \
        value. Reports requests/s and p50/p99/p99.9 latency per phase, then one JSON line per \
        phase. The goal: ≥ 20,000 req/s at 64 connections with p99 ≤ 10 ms, and ≥ 16,500 req/s \
        (5 × gunicorn's 3,300) at 16.
        """
    )
    static let environmentOptions = ["connections", "seconds", "warmup-seconds", "client", "partitions", "lanes",
                                     "max-batch-delay-ms", "linger-ms", "worker-linger-ms", "fetch-wait-ms", "echo",
                                     "models", "log-level"]

    static let environmentFlags = ["echo"]

    @Option(help: "Comma-separated connection counts, one phase each.")
    var connections = "16,64"

    @Option(help: "Seconds measured per phase.")
    var seconds: Double = 10

    @Option(help: "Seconds of unrecorded load before each phase.")
    var warmupSeconds: Double = 2

    @Option(help: "Load generator: nio (a minimal keep-alive HTTP/1.1 client) or ahc (AsyncHTTPClient).")
    var client = "nio"

    @Option(help: "Partitions of the features and reply topics.")
    var partitions = 6

    @Option(help: "Worker inference lanes (default: the number of cores).")
    var lanes = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "The worker's --max-batch-delay-ms.")
    var maxBatchDelayMs: Double = 2

    @Option(help: "The gateway producer's linger.ms.")
    var lingerMs: Double = 1

    @Option(help: "The worker producer's linger.ms.")
    var workerLingerMs: Double = 2

    @Option(help: "fetch.wait.max.ms of the worker's and the gateway's consumers (the mock broker always waits this long on an empty fetch).")
    var fetchWaitMs = 1

    @Flag(help: "Replace the worker with an echo replier that answers every request with a canned prediction (isolates gateway + Kafka).")
    var echo = false

    @Option(help: "Path to POST to (e.g. /v2/health/live to time the HTTP layer alone: it answers 405).")
    var path = "/predict"

    @Option(help: "Model store directory.")
    var models = "Models"

    @Option(help: "Log level of the in-process worker and gateway.")
    var logLevel: Logger.Level = .warning

    var connectionCounts: [Int] { connections.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    func validate() throws {
        guard !connectionCounts.isEmpty, connectionCounts.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--connections must be a comma-separated list of positive integers")
        }
        guard seconds > 0, warmupSeconds >= 0 else { throw ValidationError("--seconds must be positive") }
        guard ["nio", "ahc"].contains(client) else { throw ValidationError("--client is nio or ahc") }
        guard partitions >= 1, lanes >= 1 else { throw ValidationError("--partitions and --lanes must be at least 1") }
    }

    func run() async throws {
        let logger = makeLogger(label: "streamscore.bench", level: logLevel)
        let broker = try EmbeddedBroker(topics: [
            TopicSpec("features", partitions: partitions), TopicSpec("predictions", partitions: partitions),
            TopicSpec("streamscore.replies", partitions: partitions), TopicSpec("inference-metrics", partitions: 1),
            TopicSpec("features.dlq", partitions: 1),
        ])
        defer { broker.shutdown() }
        // librdkafka's mock broker holds an empty fetch for the whole fetch.wait.max.ms even when
        // data arrives, so both consumers poll with a short wait.
        let kafka = ["fetch.wait.max.ms": String(fetchWaitMs), "session.timeout.ms": "6000", "heartbeat.interval.ms": "500",
                     "socket.nagle.disable": "true"]

        var workerConfig = WorkerConfiguration(brokers: broker.bootstrapServers)
        workerConfig.modelsDirectory = models
        workerConfig.httpPort = nil
        workerConfig.lanes = lanes
        workerConfig.maxBatchDelay = .microseconds(Int64(maxBatchDelayMs * 1000))
        workerConfig.kafkaProperties = kafka.merging(["linger.ms": String(workerLingerMs)]) { $1 }
        let worker: Worker? = echo ? nil : try Worker(configuration: workerConfig, logger: logger)

        var gatewayConfig = GatewayConfiguration(brokers: broker.bootstrapServers)
        gatewayConfig.port = 0
        gatewayConfig.modelsDirectory = models
        gatewayConfig.kafkaProperties = kafka
        gatewayConfig.fetchWaitMaxMs = fetchWaitMs
        gatewayConfig.lingerMs = lingerMs
        let gateway = Gateway(configuration: gatewayConfig, logger: logger)

        let scorer: any Service = try worker ?? EchoReplier(brokers: broker.bootstrapServers, kafka: kafka)
        let services = ServiceGroup(configuration: .init(services: [scorer, gateway], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            let port = await gateway.listeningPort()
            printError("bench gateway: broker \(broker.bootstrapServers), gateway on 127.0.0.1:\(port); waiting for the groups…")
            let deadline = ContinuousClock.now + .seconds(60)
            while !((worker?.isReady ?? true) && gateway.isReady) {
                guard ContinuousClock.now < deadline else { throw ValidationError("worker or gateway not ready after 60 s") }
                try await Task.sleep(for: .milliseconds(50))
            }
            let body = Array(#"{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]}"#.utf8)
            var results: [(Int, LoadResult)] = []
            for n in connectionCounts {
                printError("bench gateway: \(n) connections, \(warmupSeconds) s warm-up + \(seconds) s (\(client) client)…")
                let result = try await HTTPLoadGenerator.run(
                    client: client, host: "127.0.0.1", port: port, path: path, body: body, headers: [],
                    connections: n, warmup: .milliseconds(Int64(warmupSeconds * 1000)),
                    duration: .milliseconds(Int64(seconds * 1000)))
                if let error = result.firstError { printError("  first error: \(error)") }
                results.append((n, result))
            }
            printLine(pad("connections", 12) + pad("req/s", 12) + pad("p50 ms", 10) + pad("p99 ms", 10)
                      + pad("p99.9 ms", 10) + pad("max ms", 10) + pad("errors", 8))
            for (n, r) in results {
                printLine(pad(String(n), 12) + pad(String(format: "%.0f", r.requestsPerSecond), 12)
                          + pad(String(format: "%.2f", r.percentileMs(50)), 10)
                          + pad(String(format: "%.2f", r.percentileMs(99)), 10)
                          + pad(String(format: "%.2f", r.percentileMs(99.9)), 10)
                          + pad(String(format: "%.2f", Double(r.histogram.max) / 1000), 10)
                          + pad(String(r.errors), 8))
            }
            for (n, r) in results {
                printLine(#"{"bench": "gateway", "client": "\#(client)", "connections": \#(n), "seconds": \#(String(format: "%.2f", r.seconds)), "requests": \#(r.requests), "errors": \#(r.errors), "req_per_s": \#(Int(r.requestsPerSecond)), "p50_ms": \#(String(format: "%.3f", r.percentileMs(50))), "p99_ms": \#(String(format: "%.3f", r.percentileMs(99))), "p999_ms": \#(String(format: "%.3f", r.percentileMs(99.9)))}"#)
            }
            await services.triggerGracefulShutdown()
            try await group.waitForAll()
        }
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text + " " : String(repeating: " ", count: width - text.count) + text
    }
}

/// Stands in for the worker: answers each request on its reply-to partition with a canned
/// two-row prediction, echoing the correlation id. Measures the gateway and Kafka alone.
final class EchoReplier: Service, Sendable {
    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    static let answer = Array(#"{"id":"x","model":"iris","model_version":"1","result":[0,1],"labels":["setosa","versicolor"],"probabilities":[[0.9765524,0.02344753,4.898946e-08],[0.006431558,0.9133089,0.08025955]]}"#.utf8)

    init(brokers: String, kafka: [String: String]) throws {
        var consumerConfig = KafkaConfiguration(bootstrapServers: brokers, groupID: "bench-echo")
        consumerConfig.properties = kafka
        consumer = try KafkaConsumer(configuration: consumerConfig, topics: ["features"])
        var producerConfig = KafkaConfiguration(bootstrapServers: brokers)
        producerConfig.lingerMs = 0.5
        producerConfig.properties = ["socket.nagle.disable": "true"]
        producer = try KafkaProducer(configuration: producerConfig) { _ in }
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                while let batch = await consumer.nextBatch(maxMessages: 1024) {
                    for m in batch {
                        guard let topic = m.headers.first(where: { $0.name == "reply-to" })?.stringValue else { continue }
                        let partition = m.headers.first(where: { $0.name == "reply-partition" })?.stringValue.flatMap { Int32($0) }
                        let headers = m.headers.filter { $0.name == "correlation-id" }
                        try? await producer.enqueue(topic: topic, value: Self.answer, headers: headers, partition: partition, token: 0)
                    }
                }
            } onCancel: {
                Task { await self.consumer.close() }
            }
        } onGracefulShutdown: {
            Task { await self.consumer.close() }
        }
        await producer.close()
    }
}
