import Foundation
import Prometheus
import StreamScoreContract
import StreamScoreKafka
import Testing
@testable import StreamScoreModel
@testable import StreamScoreWorker

@Suite("Drift detection against the card's baseline", .serialized)
struct DriftTests {
    /// Iris rows drawn at random (seeded) from the dataset, with `shift` added to one feature.
    static func records(_ count: Int, prefix: String, shift: (feature: Int, by: Float)? = nil)
        throws -> [(key: String, value: String, headers: [KafkaHeader])] {
        let rows = try IrisFixture.load().rows
        var generator = SplitMix64(seed: 42)
        return (0..<count).map { i in
            var row = rows[Int(generator.next() % UInt64(rows.count))]
            if let shift { row[shift.feature] += shift.by }
            return ("k-\(i)", "{\"id\":\"\(prefix)-\(i)\",\"features\":[\(row.map(jsonNumber).joined(separator: ","))]}", [])
        }
    }

    static func driftRecords(_ broker: EmbeddedBroker) async throws -> [DriftRecord] {
        try await metricsTopicRecords(broker).compactMap {
            if case .drift(let d) = $0 { return d }
            return nil
        }
    }

    static func run(_ records: [(key: String, value: String, headers: [KafkaHeader])])
        async throws -> (drift: [DriftRecord], metrics: String, worker: Worker) {
        let broker = try makeBroker()
        defer { broker.shutdown() }
        var config = workerConfig(broker)
        config.driftWindowRows = 2000
        let running = try RunningWorker(config)
        try await produce(broker, records)
        #expect(await eventually { running.worker.progress.acknowledged >= records.count })
        var drift: [DriftRecord] = []
        #expect(try await eventually {
            drift = try await driftRecords(broker)
            // Windows close at the first batch reaching 2,000 rows, so each holds 2,000 to 2,255.
            return drift.count >= records.count / 2256
        })
        var buffer: [UInt8] = []
        running.worker.registry.emit(into: &buffer)
        try await running.stop()
        return (drift, String(decoding: buffer, as: UTF8.self), running.worker)
    }

    @Test("Records from the training distribution: PSI under the threshold on every feature, no flag")
    func noFalseAlarm() async throws {
        let (drift, metrics, _) = try await Self.run(try Self.records(7000, prefix: "same"))
        #expect(drift.count == 3)
        for record in drift {
            #expect(record.model == "iris" && record.version == "1" && (2000...2255).contains(record.rows))
            #expect(record.psi.count == 4)
            #expect(record.psi.values.allSatisfy { $0 < 0.2 }, "PSI \(record.psi)")
            #expect(record.drifted.values.allSatisfy { !$0 })
            #expect(record.windowEndMs >= record.windowStartMs)
            let distribution = try #require(record.predictionDistribution)
            #expect(abs(distribution.values.reduce(0, +) - 1) < 1e-9)
            #expect(try #require(record.predictionPSI) < 0.2)
        }
        #expect(!metrics.contains("streamscore_drifted{model=\"iris\",feature=\"petal_length\"} 1"))
        #expect(metrics.contains("streamscore_drift_psi{model=\"iris\",feature=\"petal_length\"}"))
    }

    @Test("petal_length shifted by +2 standard deviations flags exactly that feature, in records and /metrics")
    func realAlarm() async throws {
        let rows = try IrisFixture.load().rows
        let values = rows.map { Double($0[2]) }
        let mean = values.reduce(0, +) / Double(values.count)
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
        let (drift, metrics, worker) = try await Self.run(try Self.records(5000, prefix: "shifted",
                                                                           shift: (2, Float(2 * sd))))
        #expect(drift.count == 2)
        for record in drift {
            #expect(record.drifted == ["sepal_length": false, "sepal_width": false, "petal_length": true, "petal_width": false])
            #expect(try #require(record.psi["petal_length"]) > 0.2)
            #expect(record.driftedFeatures.map(\.feature) == ["petal_length"])
        }
        #expect(metrics.contains("streamscore_drifted{model=\"iris\",feature=\"petal_length\"} 1"))
        for other in ["sepal_length", "sepal_width", "petal_width"] {
            #expect(metrics.contains("streamscore_drifted{model=\"iris\",feature=\"\(other)\"} 0"))
        }
        #expect(worker.latestDrift["iris"]?.drifted["petal_length"] == true)
    }

    @Test("PSI and binning follow the documented formulas")
    func formulas() {
        #expect(DriftMonitor.bin(4.3, edges: [4.3, 5, 6]) == 0)
        #expect(DriftMonitor.bin(5, edges: [4.3, 5, 6]) == 1)
        #expect(DriftMonitor.bin(6, edges: [4.3, 5, 6]) == 1)    // the max falls in the last bin
        #expect(DriftMonitor.bin(-10, edges: [4.3, 5, 6]) == 0)  // below the range: first bin
        #expect(DriftMonitor.bin(99, edges: [4.3, 5, 6]) == 1)   // above: last bin
        // Short edge lists are counted, long ones binary-searched: both give the documented bin.
        for edges in [(0..<20).map { Float($0) * 0.5 }, (0..<40).map { Float($0) * 0.5 }] {
            for x in stride(from: Float(-1), through: 21, by: 0.25) {
                let documented = min(max(edges.filter { $0 <= x }.count - 1, 0), edges.count - 2)
                #expect(DriftMonitor.bin(x, edges: edges) == documented, "x \(x), \(edges.count) edges")
            }
        }
        #expect(DriftMonitor.psi(actual: [0.5, 0.5], expected: [0.5, 0.5], epsilon: 1e-4) == 0)
        let psi = DriftMonitor.psi(actual: [0.9, 0.1], expected: [0.5, 0.5], epsilon: 1e-4)
        #expect(abs(psi - (0.4 * log(0.9 / 0.5) + -0.4 * log(0.1 / 0.5))) < 1e-12)
        // An empty bin stays finite thanks to the epsilon floor.
        #expect(DriftMonitor.psi(actual: [1, 0], expected: [0.5, 0.5], epsilon: 1e-4).isFinite)
    }

    @Test("A time window closes once its duration passed, with the rows it has; drift off observes nothing")
    func timeWindow() async throws {
        let model = ServedModel(try LoadedModel.load(directory: modelsDirectory + "/iris/1"))
        let rows = try IrisFixture.load().rows.prefix(40)
        let batch = FeatureBatch(rowCount: rows.count, featureCount: 4, numbers: rows.flatMap { $0 })
        let scored = try model.model.score(batch)
        let timed = DriftMonitor(settings: .init(windowRows: 1_000_000, windowDuration: .milliseconds(100), threshold: 0.2))
        #expect(timed.observe(model: model, batch: batch, scored: scored, nowMs: 1_000, worker: "w").isEmpty)
        try await Task.sleep(for: .milliseconds(150))
        let closed = timed.observe(model: model, batch: batch, scored: scored, nowMs: 1_150, worker: "w")
        #expect(closed.count == 1)
        #expect(closed.first?.rows == 80)
        #expect(closed.first?.windowStartMs == 1_000 && closed.first?.windowEndMs == 1_150)
        let total = closed.first?.predictionDistribution?.values.reduce(0, +) ?? 0
        #expect(abs(total - 1) < 1e-9)
        let off = DriftMonitor(settings: .init(windowRows: 0, windowDuration: nil, threshold: 0.2))
        for _ in 0..<10 { #expect(off.observe(model: model, batch: batch, scored: scored, nowMs: 0, worker: "w").isEmpty) }
    }
}

@Suite("Drift bin grid")
struct DriftBinGridTests {
    @Test("The grid gives the documented bin for every value: on, next to and between edges, repeated edges, outside the range")
    func gridMatchesTheEdgeSearch() throws {
        var generator = SystemRandomNumberGenerator()
        let edgeLists: [[Float]] = [
            [4.3, 5.1, 5.6, 5.8, 6.1, 6.4, 6.7, 7.0, 7.9],                // quantile edges, like a card's
            [0, 0, 0, 0.1, 0.1, 0.2, 0.5, 0.5, 2.5],                        // repeated edges
            [-1e-3, 1e-7, 2e-7, 3e-7, 1],                                    // edges far closer than a cell
            (0..<100).map { Float($0) * 0.37 - 10 },                         // many equal-width bins
            [1, 2],                                                          // one bin
        ]
        for edges in edgeLists {
            let grid = try #require(DriftBinGrid(edges: edges))
            var probes: [Float] = [-.infinity, .infinity, -1e30, 1e30, 0, -0.0]
            for e in edges { probes += [e, e.nextUp, e.nextDown, e + 1e-4, e - 1e-4] }
            let (low, high) = (edges.first!, edges.last!)
            for _ in 0..<20_000 { probes.append(Float.random(in: (low - 1)...(high + 1), using: &generator)) }
            for x in probes {
                #expect(grid.bin(x) == DriftMonitor.bin(x, edges: edges), "x \(x) with edges \(edges.prefix(12))")
            }
        }
        #expect(DriftBinGrid(edges: [3]) == nil)
        #expect(DriftBinGrid(edges: [2, 1]) == nil)
        #expect(DriftBinGrid(edges: [1, 1]) == nil)
        #expect(DriftBinGrid(edges: [0, .infinity]) == nil)
    }
}
