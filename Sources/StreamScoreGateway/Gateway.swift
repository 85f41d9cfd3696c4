import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import StreamScoreContract
import StreamScoreMonitor
import Synchronization

/// The HTTP gateway: a Hummingbird application in front of Kafka.
///
/// Each HTTP request becomes one feature record on the input topic; the worker's reply comes back
/// on this gateway's own partitions of the reply topic (see ``ReplyCorrelator`` for the scheme)
/// and is turned into the HTTP answer.
///
/// ```swift
/// let gateway = Gateway(configuration: .init(brokers: "127.0.0.1:9092"), registry: registry, logger: logger)
/// try await gateway.run()          // until graceful shutdown or cancellation
/// ```
public final class Gateway: Service, Sendable {
    public let configuration: GatewayConfiguration
    /// The registry `/metrics` renders; shared with the worker in `streamscore dev`.
    public let registry: PrometheusCollectorRegistry
    let core: GatewayCore
    private let logger: Logger
    private let port = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))
    private let onListening: (@Sendable (Int) -> Void)?

    /// - Parameters:
    ///   - registry: where the gateway's metrics go; `/metrics` renders all of it.
    ///   - onListening: called with the bound port once the server listens.
    public init(configuration: GatewayConfiguration, registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                logger: Logger = Logger(label: "streamscore.gateway"), onListening: (@Sendable (Int) -> Void)? = nil) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.onListening = onListening
        core = GatewayCore(configuration: configuration, metrics: GatewayMetrics(registry: registry), logger: logger)
    }

    /// `true` while the gateway owns a reply partition and reaches the broker.
    public var isReady: Bool { core.correlator.notReadyReason == nil }

    /// Why the gateway is not ready, or nil.
    public var notReadyReason: String? { core.correlator.notReadyReason }

    /// The reply-topic partitions this gateway owns.
    public var ownedReplyPartitions: [Int32] { core.correlator.ownedPartitions }

    /// Requests waiting for their prediction.
    public var pendingRequests: Int { core.correlator.pendingCount }

    /// The port the server listens on, once it does (useful with port 0).
    public func listeningPort() async -> Int {
        await withCheckedContinuation { (c: CheckedContinuation<Int, Never>) in
            let known: Int? = port.withLock { p in
                if let bound = p.port { return bound }
                p.waiters.append(c)
                return nil
            }
            if let known { c.resume(returning: known) }
        }
    }

    /// The HTTP responder, for HummingbirdTesting's `.router` setup.
    public var responder: GatewayResponder { GatewayResponder(core: core) }

    /// A Hummingbird application serving the gateway. Its services include the reply correlator
    /// and the dashboard's metrics feed, so running the application (directly, or through
    /// HummingbirdTesting) runs everything.
    public func makeApplication() -> Application<GatewayResponder> {
        Application(
            responder: responder,
            server: .http1(configuration: .init(additionalChannelHandlers: [TCPNoDelayHandler()])),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port),
                                                    serverName: nil),
            services: [core.correlator, core.metricsFeed],
            onServerRunning: { [self] channel in serverStarted(port: channel.localAddress?.port ?? 0) },
            logger: logger
        )
    }

    private func serverStarted(port bound: Int) {
        let waiters = port.withLock { p in
            p.port = bound
            defer { p.waiters = [] }
            return p.waiters
        }
        for w in waiters { w.resume(returning: bound) }
        onListening?(bound)
    }

    /// The dashboard's view of the metrics topic.
    public var metricsFeed: MetricsFeed { core.metricsFeed }

    /// Model name → versions the gateway knows from the cards.
    public var models: [String: [String]] { core.catalog.all }

    /// Serves HTTP and Kafka until graceful shutdown or cancellation. The HTTP server stops first
    /// (finishing requests in flight), then the gateway leaves the reply group and flushes.
    public func run() async throws {
        try await makeApplication().run()
    }
}

/// State shared by the responder and the services.
final class GatewayCore: Sendable {
    let configuration: GatewayConfiguration
    let metrics: GatewayMetrics
    let catalog: ModelCatalog
    let correlator: ReplyCorrelator
    let metricsFeed: MetricsFeed
    let authToken: [UInt8]?

    init(configuration: GatewayConfiguration, metrics: GatewayMetrics, logger: Logger) {
        self.configuration = configuration
        self.metrics = metrics
        catalog = ModelCatalog(directory: configuration.modelsDirectory, logger: logger)
        correlator = ReplyCorrelator(configuration: configuration, metrics: metrics, logger: logger)
        var feedConfiguration = MetricsFeedConfiguration(brokers: configuration.brokers, topic: configuration.metricsTopic)
        feedConfiguration.kafkaProperties = configuration.kafkaProperties
        metricsFeed = MetricsFeed(configuration: feedConfiguration, logger: logger)
        authToken = configuration.authToken.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
    }

    /// Sends a request and returns the worker's reply object.
    /// - Throws: 503 (not ready, at the bound, undeliverable), 504 (timeout), or the worker's
    ///   rejection (400 with its reason).
    func roundTrip(model: String?, version: String?,
                   writeRecord: (inout JSONWriter, String) -> Void) async throws(GatewayError) -> JSONObject {
        let outcome = try await correlator.submit(model: model, version: version, writeRecord: writeRecord)
        switch outcome {
        case .reply(let bytes):
            guard case .object(let reply)? = try? JSONParser.parse(bytes) else {
                throw GatewayError(.badGateway, "the worker's reply is not a JSON object")
            }
            if let rejection = GatewayError.fromWorkerReply(reply) { throw rejection }
            return reply
        case .timedOut:
            throw GatewayError(.gatewayTimeout,
                               "no prediction within \(configuration.timeoutMilliseconds) ms; is a worker consuming '\(configuration.inputTopic)'?")
        case .undeliverable(let reason):
            throw ReplyCorrelator.unavailable("the request could not be delivered to Kafka: \(reason)")
        case .shuttingDown:
            throw ReplyCorrelator.unavailable("the gateway is shutting down")
        }
    }
}

/// Sets TCP_NODELAY on each accepted connection. NIO sets it on the listening socket, which
/// Linux copies to accepted ones; setting it here makes small answers leave at once everywhere.
final class TCPNoDelayHandler: ChannelInboundHandler, RemovableChannelHandler, Sendable {
    typealias InboundIn = NIOAny

    func handlerAdded(context: ChannelHandlerContext) {
        context.channel.setOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1).whenComplete { _ in }
    }
}
