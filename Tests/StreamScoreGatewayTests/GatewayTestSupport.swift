import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import StreamScoreGateway
import StreamScoreKafka
import StreamScoreModel
import StreamScoreWorker
import Synchronization
import Testing

let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
let modelsDirectory = repositoryRoot.appendingPathComponent("Models").path

var quietLogger: Logger {
    var logger = Logger(label: "gateway-test")
    logger.logLevel = .warning
    return logger
}

/// Group timings short enough for tests on librdkafka's mock broker, and a short fetch wait:
/// the mock holds an empty fetch for the full fetch.wait.max.ms even when data arrives.
let testKafkaProperties = ["session.timeout.ms": "3000", "heartbeat.interval.ms": "200", "fetch.wait.max.ms": "2"]

/// The tutorial body.
let tutorialBody = #"{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]}"#

func gatewayConfig(_ broker: EmbeddedBroker, input: String = "features", replies: String = "streamscore.replies",
                   group: String = "streamscore-gateways") -> GatewayConfiguration {
    var config = GatewayConfiguration(brokers: broker.bootstrapServers)
    config.port = 0
    config.inputTopic = input
    config.replyTopic = replies
    config.replyGroup = group
    config.modelsDirectory = modelsDirectory
    config.kafkaProperties = testKafkaProperties
    config.fetchWaitMaxMs = 2
    return config
}

func workerConfig(_ broker: EmbeddedBroker, input: String, group: String) -> WorkerConfiguration {
    var config = WorkerConfiguration(brokers: broker.bootstrapServers)
    config.group = group
    config.inputTopic = input
    config.modelsDirectory = modelsDirectory
    config.httpPort = nil
    config.lanes = 1
    config.maxBatchDelay = .microseconds(500)
    config.kafkaProperties = testKafkaProperties
    return config
}

/// A gateway running in its own service group, stopped by graceful shutdown.
final class RunningGateway: Sendable {
    let gateway: Gateway
    let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(_ config: GatewayConfiguration, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) async {
        let gateway = Gateway(configuration: config, registry: registry, logger: quietLogger)
        self.gateway = gateway
        let group = ServiceGroup(configuration: .init(services: [gateway], logger: quietLogger))
        self.group = group
        task = Task { try await group.run() }
        port = await gateway.listeningPort()
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// A worker running in a task.
final class RunningWorker: Sendable {
    let worker: Worker
    private let task: Task<Void, any Error>

    init(_ config: WorkerConfiguration) throws {
        let worker = try Worker(configuration: config, logger: quietLogger)
        self.worker = worker
        task = Task { try await worker.run() }
    }

    func stop() async {
        worker.requestStop()
        _ = try? await task.value
    }
}

/// Polls `condition` until it returns a value or the timeout passes.
func eventually<T>(timeout: Duration, _ what: String, _ condition: () async -> T?) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if let value = await condition() { return value }
        try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("\(what) not met within \(timeout)")
    throw CancellationError()
}

// MARK: HTTP

struct HTTPAnswer: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    var error: String { json["error"] as? String ?? "" }

    func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

let sharedHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
    configuration.timeout = .init(connect: .seconds(5), read: .seconds(30))
    return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
}()

enum Verb { case GET, POST }

func send(_ verb: Verb, _ url: String, body: [UInt8]? = nil, headers: [(String, String)] = [],
          client: HTTPClient = sharedHTTPClient) async throws -> HTTPAnswer {
    var request = HTTPClientRequest(url: url)
    request.method = verb == .GET ? .GET : .POST
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if let body {
        request.body = .bytes(ByteBuffer(bytes: body))
        if !headers.contains(where: { $0.0.lowercased() == "content-type" }) {
            request.headers.add(name: "Content-Type", value: "application/json")
        }
    }
    let response = try await client.execute(request, timeout: .seconds(30))
    let buffer = try await response.body.collect(upTo: 16 << 20)
    return HTTPAnswer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                      body: Array(buffer.readableBytesView))
}

func post(_ url: String, _ body: String, headers: [(String, String)] = []) async throws -> HTTPAnswer {
    try await send(.POST, url, body: Array(body.utf8), headers: headers)
}

func get(_ url: String, headers: [(String, String)] = []) async throws -> HTTPAnswer {
    try await send(.GET, url, headers: headers)
}

// MARK: Reference scores

/// The iris model scored locally by the Swift runtime: the reference the gateway's answers are checked against.
struct IrisReference: Sendable {
    let model: LoadedModel

    init() throws {
        model = try ModelStore(directory: modelsDirectory).load(name: "iris")
    }

    func score(_ rows: [[Float]]) throws -> (labels: [Int64], probabilities: [[Float]]) {
        let flat = rows.flatMap { $0 }
        let scored = try flat.withUnsafeBufferPointer { try model.score(rows: $0, rowCount: rows.count) }
        guard case .int64(let labels) = scored.labels else { throw CancellationError() }
        let probabilities = (0..<rows.count).map { r in
            Array(scored.scores[(r * scored.scoreWidth)..<((r + 1) * scored.scoreWidth)])
        }
        return (labels, probabilities)
    }
}

func numbers(_ value: Any?) -> [Double] {
    (value as? [Any])?.compactMap { ($0 as? NSNumber)?.doubleValue } ?? []
}

func matrix(_ value: Any?) -> [[Double]] {
    (value as? [Any])?.map { numbers($0) } ?? []
}

/// Reads one sample of a Prometheus text exposition, e.g. `streamscore_gateway_timeouts_total`.
func metricValue(_ text: String, _ series: String) -> Double? {
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1).trimmingCharacters(in: .whitespaces))
    }
    return nil
}
