import ArgumentParser
import Foundation
import Logging
import Prometheus
import ServiceLifecycle
import StreamScoreGateway
import StreamScoreKafka
import StreamScoreWorker

/// `streamscore dev`: the all-in-one development stack in one process.
struct DevCommand: AsyncParsableCommand, EnvironmentConfigurable {
    static let configuration = CommandConfiguration(
        commandName: "dev",
        abstract: "Run the embedded broker, a worker and the gateway in one process.",
        discussion: """
        Prints the gateway URL, the bootstrap address and ready-to-paste requests, then runs until \
        Ctrl-C and stops cleanly: gateway first, then the worker drains, then the broker. With \
        --demo it also produces synthetic iris records and prints a status line every second.
        """
    )
    static let environmentOptions = ["port", "kafka-port", "models", "lanes", "demo", "log-level"]

    @Option(help: "Gateway port on 127.0.0.1.")
    var port = 8080

    @Option(help: "Bootstrap port of the embedded broker (0: its own ephemeral port).")
    var kafkaPort = 9092

    @Option(help: "Model store directory.")
    var models = "Models"

    @Option(help: "Worker lanes.")
    var lanes = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Also produce synthetic iris records at this rate per second (e.g. --demo 1000).")
    var demo: Int?

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .warning

    func run() async throws {
        let logger = makeLogger(label: "streamscore.dev", level: logLevel)
        let broker = try EmbeddedBroker(topics: BrokerCommand.defaultTopics.compactMap(TopicSpec.init(parsing:)))
        var bootstrap = broker.bootstrapServers
        var forwarder: BootstrapForwarder?
        if kafkaPort != 0 {
            forwarder = try BootstrapForwarder(port: kafkaPort, target: broker.ports[0], logger: logger)
            bootstrap = "127.0.0.1:\(kafkaPort)"
        }
        let registry = PrometheusCollectorRegistry()
        var workerConfig = WorkerConfiguration(brokers: broker.bootstrapServers)
        workerConfig.modelsDirectory = models
        workerConfig.lanes = lanes
        workerConfig.httpPort = nil
        // The embedded (mock) broker holds every empty fetch for the whole fetch.wait.max.ms, even
        // when records arrive meanwhile; on this always-local stack a 2 ms wait keeps each hop short (idle cost: about 10% of a core).
        workerConfig.kafkaProperties["fetch.wait.max.ms"] = "2"
        let worker = try Worker(configuration: workerConfig, logger: logger, registry: registry)
        var gatewayConfig = GatewayConfiguration(brokers: broker.bootstrapServers)
        gatewayConfig.port = port
        gatewayConfig.modelsDirectory = models
        gatewayConfig.fetchWaitMaxMs = 2
        let gateway = Gateway(configuration: gatewayConfig, registry: registry, logger: logger)

        let url = "http://127.0.0.1:\(port)"
        printLine("StreamScore dev stack")
        printLine("  gateway   \(url)   (metrics: \(url)/metrics)")
        printLine("  dashboard \(url)/dashboard")
        printLine("  bootstrap \(bootstrap)   (kcat -b \(bootstrap) -C -t predictions)")
        printLine("  models    \(worker.servedModels.map { "\($0.key):\($0.value)" }.sorted().joined(separator: ", "))")
        printLine("  try:      curl -s -X POST \(url)/predict -H 'content-type: application/json' -d '{\"data\": [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]}'")
        printLine("  V2:       curl -s -X POST \(url)/v2/models/iris/infer -H 'content-type: application/json' -d '{\"inputs\": [{\"name\": \"input\", \"shape\": [1, 4], \"datatype\": \"FP32\", \"data\": [5.1, 3.5, 1.4, 0.2]}]}'")
        printLine("  Ctrl-C stops everything.")

        // ServiceGroup shuts services down in reverse order: demo, gateway, worker, then the broker.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: EmbeddedBrokerService(broker: broker, forwarder: forwarder)),
            .init(service: worker),
            .init(service: gateway),
        ]
        if let demo {
            services.append(.init(service: DemoTraffic(bootstrap: broker.bootstrapServers, rate: max(1, demo),
                                                       worker: worker)))
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: logger))
        try await group.run()
        printLine("stopped")
    }
}

/// Synthetic iris records in all three shapes plus a few bad ones, and a status line per second.
/// The rows follow the training distribution, so drift monitoring stays quiet.
struct DemoTraffic: Service {
    let bootstrap: String
    let rate: Int
    let worker: Worker

    func run() async throws {
        var config = KafkaConfiguration(bootstrapServers: bootstrap)
        config.lingerMs = 5
        let producer = try KafkaProducer(configuration: config)
        var sampler = IrisSampler(seed: 7)
        let names = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
        var sent = 0
        var lastStatus = ContinuousClock.now
        var sentAtLastStatus = 0
        let tick = Duration.milliseconds(10)
        let perTick = max(1, rate / 100)
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            for _ in 0..<perTick {
                let r = sampler.next()
                let id = "demo-\(sent)"
                let value: String
                switch sent % 50 {
                case 49: value = "{\"id\":\"\(id)\",\"features\":[1,2,3]}"
                case 48: value = "{not json"
                default:
                    switch sent % 3 {
                    case 0: value = "{\"id\":\"\(id)\",\"features\":[\(r.map { "\($0)" }.joined(separator: ","))]}"
                    case 1: value = "{\"id\":\"\(id)\",\"features\":{\(zip(names, r).map { "\"\($0)\":\($1)" }.joined(separator: ","))}}"
                    default: value = "{\"id\":\"\(id)\",\"data\":[[\(r.map { "\($0)" }.joined(separator: ","))]]}"
                    }
                }
                try? await producer.enqueue(topic: "features", key: Array(id.utf8), value: Array(value.utf8),
                                            token: UInt64(sent))
                sent += 1
            }
            try? await Task.sleep(for: tick)
            if ContinuousClock.now - lastStatus >= .seconds(1) {
                let seconds = (ContinuousClock.now - lastStatus).seconds
                let inRate = Double(sent - sentAtLastStatus) / seconds
                lastStatus = .now
                sentAtLastStatus = sent
                if let m = worker.latestMetrics {
                    printLine(String(format: "in %6.0f/s  out %6.0f/s  e2e p50 %6.2f ms  p99 %6.2f ms  batch %5.1f rows  dlq %d  in-flight %d",
                                     inRate, m.recordsPerSecond, m.endToEndMs.p50, m.endToEndMs.p99, m.meanBatchRows,
                                     m.errors, m.inflightRows))
                } else {
                    printLine(String(format: "in %6.0f/s  (worker joining the group)", inRate))
                }
            }
        }
        await producer.close(deadline: .seconds(2))
    }
}

/// Iris-like rows: a class drawn uniformly, then each feature from that class's normal
/// distribution (the iris dataset's per-class means and standard deviations), rounded to 0.1 cm
/// like the dataset.
struct IrisSampler {
    private static let means: [[Double]] = [[5.006, 3.428, 1.462, 0.246], [5.936, 2.770, 4.260, 1.326],
                                            [6.588, 2.974, 5.552, 2.026]]
    private static let deviations: [[Double]] = [[0.352, 0.379, 0.174, 0.105], [0.516, 0.314, 0.470, 0.198],
                                                 [0.636, 0.322, 0.552, 0.275]]
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    private mutating func unit() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) * 0x1.0p-53
    }

    mutating func next() -> [Double] {
        let species = min(2, Int(unit() * 3))
        return (0..<4).map { f in
            // Box-Muller.
            let gaussian = (-2 * log(max(unit(), 1e-300))).squareRoot() * cos(2 * .pi * unit())
            let value = Self.means[species][f] + gaussian * Self.deviations[species][f]
            return max(0.1, (value * 10).rounded() / 10)
        }
    }
}
