import Foundation
import StreamScoreGateway
import StreamScoreKafka
import StreamScoreWorker
import Testing

/// One embedded broker, one real worker and several gateways, shared by the end-to-end suite
/// (joining a consumer group on librdkafka's mock broker takes 3 s, so they start once).
///
/// - `main`: the default gateway on `features` / `streamscore.replies`, body limit 64 KiB.
/// - `secured`: the same topics, its own reply topic, `--auth-token s3cret`.
/// - `pair`: two gateways in one reply group on `pair.replies`, splitting its 6 partitions.
/// - `down`: a gateway on `down.features`, which no worker reads until a test starts one;
///   timeout 3 s, at most 2 pending requests.
final class GatewayStack: Sendable {
    let broker: EmbeddedBroker
    let worker: RunningWorker
    let main: RunningGateway
    let secured: RunningGateway
    let pair: [RunningGateway]
    let down: RunningGateway

    static let token = "s3cret"

    @TaskLocal static var current: GatewayStack?

    private init(broker: EmbeddedBroker, worker: RunningWorker, main: RunningGateway, secured: RunningGateway,
                 pair: [RunningGateway], down: RunningGateway) {
        self.broker = broker
        self.worker = worker
        self.main = main
        self.secured = secured
        self.pair = pair
        self.down = down
    }

    static func start() async throws -> GatewayStack {
        let broker = try EmbeddedBroker(topics: [
            TopicSpec("features", partitions: 6), TopicSpec("predictions", partitions: 6),
            TopicSpec("streamscore.replies", partitions: 6), TopicSpec("inference-metrics", partitions: 1),
            TopicSpec("features.dlq", partitions: 1), TopicSpec("secured.replies", partitions: 2),
            TopicSpec("pair.replies", partitions: 6), TopicSpec("down.features", partitions: 2),
            TopicSpec("down.replies", partitions: 2),
        ])
        let worker = try RunningWorker(workerConfig(broker, input: "features", group: "stack-workers"))

        var mainConfig = gatewayConfig(broker)
        mainConfig.maxBodyBytes = 64 << 10
        var securedConfig = gatewayConfig(broker, replies: "secured.replies", group: "secured-gateways")
        securedConfig.authToken = token
        var pairConfig = gatewayConfig(broker, replies: "pair.replies", group: "pair-gateways")
        pairConfig.timeout = .seconds(15)
        var downConfig = gatewayConfig(broker, input: "down.features", replies: "down.replies", group: "down-gateways")
        downConfig.timeout = .seconds(3)
        downConfig.maxPending = 2

        async let main = RunningGateway(mainConfig)
        async let secured = RunningGateway(securedConfig)
        async let pairA = RunningGateway(pairConfig)
        async let pairB = RunningGateway(pairConfig)
        async let down = RunningGateway(downConfig)
        let stack = await GatewayStack(broker: broker, worker: worker, main: main, secured: secured,
                                       pair: [pairA, pairB], down: down)
        _ = try await eventually(timeout: .seconds(30), "stack ready") { () -> Bool? in
            let pairOwned = stack.pair.map { Set($0.gateway.ownedReplyPartitions) }
            let pairSplit = pairOwned.allSatisfy { !$0.isEmpty } && pairOwned[0].isDisjoint(with: pairOwned[1])
                && pairOwned[0].union(pairOwned[1]).count == 6
            let ready = stack.worker.worker.isReady && stack.main.gateway.isReady && stack.secured.gateway.isReady
                && stack.down.gateway.isReady && pairSplit
            return ready ? true : nil
        }
        return stack
    }

    func stop() async {
        await withTaskGroup(of: Void.self) { group in
            for g in [main, secured, down] + pair { group.addTask { await g.stop() } }
        }
        await worker.stop()
        broker.shutdown()
    }
}

/// Runs a suite inside one ``GatewayStack``.
struct GatewayStackTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let stack = try await GatewayStack.start()
        do {
            try await GatewayStack.$current.withValue(stack) { try await function() }
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }
}

extension Trait where Self == GatewayStackTrait {
    static var gatewayStack: Self { Self() }
}

var stack: GatewayStack {
    get throws {
        guard let current = GatewayStack.current else { throw CancellationError() }
        return current
    }
}
