import Foundation
import StreamScoreContract
import StreamScoreKafka
import Testing
@testable import StreamScoreWorker

@Suite("Model lifecycle: hot reload, control topic, canary and shadow", .serialized)
struct ModelLifecycleTests {
    @Test("A valid version 2 dropped in mid-stream takes over; nothing is lost or scored twice")
    func hotSwap() async throws {
        let broker = try makeLifecycleBroker()
        defer { broker.shutdown() }
        let store = try TemporaryModelStore()
        defer { store.cleanUp() }
        let running = try RunningWorker(lifecycleConfig(broker, store: store))
        #expect(running.worker.servedModels == ["iris": "1"])

        try await produce(broker, try irisRecords(3000, prefix: "before"))
        #expect(await eventually { running.worker.progress.acknowledged >= 3000 })
        // A version dropped while records stream in: the worker keeps scoring during the swap.
        let during = Task { try await produce(broker, try irisRecords(3000, prefix: "during")) }
        try store.addVersion("2")
        #expect(await eventually { running.worker.servedModels == ["iris": "2"] })
        try await during.value
        try await produce(broker, try irisRecords(3000, prefix: "after"))

        let predictions = try await readAll(broker, topic: "predictions", count: 9000, timeout: .seconds(60))
        try await running.stop()
        let decoded = try predictions.map(decodePrediction)
        #expect(decoded.count == 9000)
        // Every input offset exactly once.
        let sources = decoded.compactMap { $0.source.map { "\($0.partition)@\($0.offset)" } }
        #expect(Set(sources).count == 9000)
        #expect(Set(decoded.compactMap(\.id)).count == 9000)
        #expect(decoded.filter { $0.id!.hasPrefix("before") }.allSatisfy { $0.modelVersion == "1" })
        #expect(decoded.filter { $0.id!.hasPrefix("after") }.allSatisfy { $0.modelVersion == "2" })
        // Within a partition the version switches once, from 1 to 2, and never back.
        for partition in Set(decoded.compactMap { $0.source?.partition }) {
            let versions = decoded.filter { $0.source?.partition == partition }
                .sorted { $0.source!.offset < $1.source!.offset }.map { $0.modelVersion! }
            #expect(versions == versions.sorted(), "partition \(partition) went back to version 1")
        }
        let events = try await modelEvents(broker)
        #expect(events.contains { $0.event == .loaded && $0.version == "2" && $0.serving == "2" })
    }

    @Test("A corrupt version 2 and one that fails its card samples are refused; version 1 keeps serving")
    func refusesBrokenVersions() async throws {
        let broker = try makeLifecycleBroker()
        defer { broker.shutdown() }
        let store = try TemporaryModelStore()
        defer { store.cleanUp() }
        let running = try RunningWorker(lifecycleConfig(broker, store: store))
        try store.addVersion("2", modelBytes: Array("this is not an ONNX model".utf8))
        // Version 3 parses but predicts class 1 where its card expects 0 for the second sample.
        try store.addVersion("3") { card in
            var samples = card["samples"] as! [[String: Any]]
            samples[1]["label"] = 2
            card["samples"] = samples
        }
        var events: [ModelEventRecord] = []
        #expect(try await eventually {
            events = try await modelEvents(broker)
            return events.filter { $0.event == .refused }.count >= 2
        })
        let refused = events.filter { $0.event == .refused }
        #expect(refused.first { $0.version == "2" }?.reason.contains("ONNX") == true
            || refused.first { $0.version == "2" }?.reason.contains("malformed") == true)
        #expect(refused.first { $0.version == "3" }?.reason.contains("sample 1: expected label 2") == true)
        #expect(refused.allSatisfy { $0.serving == "1" })
        #expect(running.worker.servedModels == ["iris": "1"])
        #expect(running.worker.modelRouting["iris"]?.versions == ["1"])

        try await produce(broker, try irisRecords(500, prefix: "r"))
        let predictions = try await readAll(broker, topic: "predictions", count: 500).map(decodePrediction)
        #expect(predictions.count == 500)
        #expect(predictions.allSatisfy { $0.modelVersion == "1" })

        // Fixing version 2 in place (new files) gets it loaded.
        try store.removeVersion("2")
        try store.addVersion("2")
        #expect(await eventually { running.worker.servedModels == ["iris": "2"] })
        // Removing it goes back to version 1.
        try store.removeVersion("2")
        #expect(await eventually { running.worker.servedModels == ["iris": "1"] })
        try await running.stop()
        let later = try await modelEvents(broker)
        #expect(later.contains { $0.event == .removed && $0.version == "2" && $0.serving == "1" })
    }

    @Test("Canary at 10% over 10,000 records: the share is within binomial bounds and keys stick to a version")
    func canary() async throws {
        let broker = try makeLifecycleBroker()
        defer { broker.shutdown() }
        let store = try TemporaryModelStore()
        defer { store.cleanUp() }
        try store.addVersion("2")
        try await sendControl(broker, ControlCommand(action: .pin, model: "iris", version: "1"),
                              ControlCommand(action: .canary, model: "iris", version: "2", percent: 10))
        let running = try RunningWorker(lifecycleConfig(broker, store: store))
        // 5,000 keys, each used twice.
        try await produce(broker, try irisRecords(10_000, prefix: "c") { "key-\($0 % 5000)" })
        let predictions = try await readAll(broker, topic: "predictions", count: 10_000, timeout: .seconds(90))
        #expect(running.worker.modelRouting["iris"]?.canary == ModelRouting.Canary(version: "2", percent: 10))
        try await running.stop()
        #expect(predictions.count == 10_000)
        var versionsByKey: [String: Set<String>] = [:]
        for m in predictions {
            versionsByKey[String(decoding: m.key ?? [], as: UTF8.self), default: []].insert(try decodePrediction(m).modelVersion!)
        }
        #expect(versionsByKey.count == 5000)
        #expect(versionsByKey.values.allSatisfy { $0.count == 1 }, "a key was scored by both versions")
        // Keys on the candidate ~ Binomial(5000, 0.1): mean 500, sd 21.2; 4.5 sd either side.
        let canaryKeys = versionsByKey.values.filter { $0 == ["2"] }.count
        #expect((405...595).contains(canaryKeys), "\(canaryKeys) of 5000 keys went to the canary")
        // The canary rule is the documented hash: recompute it.
        let expected = versionsByKey.keys.filter {
            CanaryBucket.isCanary(bucket: CanaryBucket.bucket(key: Array($0.utf8)[...], fallback: 0), percent: 10)
        }
        #expect(Set(expected) == Set(versionsByKey.filter { $0.value == ["2"] }.keys))
    }

    @Test("Shadow: every record gets a main prediction and a shadow prediction")
    func shadow() async throws {
        let broker = try makeLifecycleBroker()
        defer { broker.shutdown() }
        let store = try TemporaryModelStore()
        defer { store.cleanUp() }
        try store.addVersion("2")
        try await sendControl(broker, ControlCommand(action: .pin, model: "iris", version: "1"),
                              ControlCommand(action: .shadow, model: "iris", version: "2"))
        let running = try RunningWorker(lifecycleConfig(broker, store: store))
        try await produce(broker, try irisRecords(2000, prefix: "s"))
        let main = try await readAll(broker, topic: "predictions", count: 2000).map(decodePrediction)
        let shadow = try await readAll(broker, topic: "predictions.shadow", count: 2000).map(decodePrediction)
        try await running.stop()
        #expect(main.count == 2000 && shadow.count == 2000)
        #expect(main.allSatisfy { $0.modelVersion == "1" })
        #expect(shadow.allSatisfy { $0.modelVersion == "2" })
        let mainByID = Dictionary(uniqueKeysWithValues: main.map { ($0.id!, $0) })
        for s in shadow {
            let m = try #require(mainByID[s.id!])
            #expect(m.source == s.source)
            #expect(m.prediction == s.prediction)  // same weights in this test
        }
    }

    @Test("Pin, unpin and rollback through the control topic: two workers obey; a late worker adopts the state")
    func pinAndRollbackWithTwoWorkers() async throws {
        let broker = try makeLifecycleBroker()
        defer { broker.shutdown() }
        let store = try TemporaryModelStore()
        defer { store.cleanUp() }
        try store.addVersion("2")
        try store.addVersion("3")
        let group = "workers-\(UUID().uuidString.prefix(6))"
        var configA = lifecycleConfig(broker, store: store, group: group)
        configA.workerID = "worker-a"
        var configB = configA
        configB.workerID = "worker-b"
        let a = try RunningWorker(configA)
        let b = try RunningWorker(configB)
        #expect(await eventually { a.worker.isReady && b.worker.isReady && a.worker.assignedPartitions + b.worker.assignedPartitions == 6 })
        #expect(a.worker.servedModels["iris"] == "3" && b.worker.servedModels["iris"] == "3")

        try await sendControl(broker, ControlCommand(action: .pin, model: "iris", version: "1"))
        #expect(await eventually { a.worker.servedModels["iris"] == "1" && b.worker.servedModels["iris"] == "1" })
        try await produce(broker, try irisRecords(1200, prefix: "p"))
        let pinned = try await readAll(broker, topic: "predictions", count: 1200).map(decodePrediction)
        #expect(pinned.count == 1200)
        #expect(Set(pinned.compactMap { $0.source.map { "\($0.partition)@\($0.offset)" } }).count == 1200)
        #expect(pinned.allSatisfy { $0.modelVersion == "1" })
        #expect(Set(pinned.compactMap(\.worker)).count == 2, "both workers scored")

        try await sendControl(broker, ControlCommand(action: .unpin, model: "iris"))
        #expect(await eventually { a.worker.servedModels["iris"] == "3" && b.worker.servedModels["iris"] == "3" })
        try await sendControl(broker, ControlCommand(action: .rollback, model: "iris"))
        #expect(await eventually { a.worker.servedModels["iris"] == "2" && b.worker.servedModels["iris"] == "2" })
        #expect(a.worker.modelRouting["iris"]?.rolledBack == true)

        try await sendControl(broker, ControlCommand(action: .canary, model: "iris", version: "3", percent: 25),
                              ControlCommand(action: .shadow, model: "iris", version: "1"))
        #expect(await eventually { a.worker.modelRouting["iris"]?.shadow == "1" })
        let late = try RunningWorker(lifecycleConfig(broker, store: store, group: "late-\(UUID().uuidString.prefix(6))"))
        #expect(await eventually { late.worker.isReady })
        #expect(late.worker.modelRouting == a.worker.modelRouting)
        #expect(late.worker.modelRouting["iris"] == ModelRouting(serving: "2", latest: "3", versions: ["1", "2", "3"],
                                                                 rolledBack: true, canary: .init(version: "3", percent: 25),
                                                                 shadow: "1"))
        try await late.stop()
        try await a.stop()
        try await b.stop()
    }

    @Test("Routing policy: commands fold in order; unloaded pins fall back to the latest version")
    func routingPolicy() {
        var policy = RoutingPolicy()
        #expect(policy.servingVersion(among: ["1", "2"]) == "2")
        policy.apply(ControlCommand(action: .pin, model: "m", version: "7"))
        #expect(policy.servingVersion(among: ["1", "2"]) == "2")
        #expect(policy.servingVersion(among: ["1", "2", "7"]) == "7")
        policy.apply(ControlCommand(action: .canary, model: "m", version: "2", percent: 5))
        #expect(policy.canary == .init(version: "2", percent: 5))
        policy.apply(ControlCommand(action: .canary, model: "m"))
        #expect(policy.canary == nil)
        policy.apply(ControlCommand(action: .rollback, model: "m"))
        #expect(policy.servingVersion(among: ["1", "2", "10"]) == "2")
        #expect(policy.servingVersion(among: ["1"]) == "1")
        policy.apply(ControlCommand(action: .unpin, model: "m"))
        #expect(policy == RoutingPolicy())
        // Buckets spread evenly: 100,000 keys, 10% canary within 4.5 sd (sd = 95).
        let hits = (0..<100_000).filter {
            CanaryBucket.isCanary(bucket: CanaryBucket.bucket(key: Array("user-\($0)".utf8)[...], fallback: 0), percent: 10)
        }.count
        #expect(abs(hits - 10_000) < 430)
    }
}
