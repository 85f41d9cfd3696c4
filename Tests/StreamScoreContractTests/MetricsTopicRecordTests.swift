import Foundation
import StreamScoreContract
import Testing

@Suite("Metrics-topic records and control commands")
struct MetricsTopicRecordTests {
    @Test("Each kind decodes to its own type; unknown kinds and bad JSON are nil")
    func decodesByKind() throws {
        let drift = #"{"kind":"drift","worker":"w1","model":"iris","version":"1","window_start_ms":1,"window_end_ms":2,"rows":10,"threshold":0.2,"psi":{"a":0.5,"b":0.01,"c":0.3},"drifted":{"a":true,"b":false,"c":true},"missing_fraction":{"a":0,"b":0,"c":0}}"#
        guard case .drift(let d) = MetricsTopicRecord.decode(Array(drift.utf8)) else {
            Issue.record("not decoded as drift")
            return
        }
        #expect(d.driftedFeatures.map(\.feature) == ["a", "c"])
        #expect(d.predictionPSI == nil)
        let event = #"{"kind":"model-event","worker":"w1","time_ms":5,"model":"iris","version":"2","event":"refused","reason":"bad","serving":"1"}"#
        #expect(MetricsTopicRecord.decode(Array(event.utf8))
            == .modelEvent(ModelEventRecord(worker: "w1", timeMs: 5, model: "iris", version: "2", event: .refused,
                                            reason: "bad", serving: "1")))
        #expect(MetricsTopicRecord.decode(Array(#"{"kind":"other"}"#.utf8)) == nil)
        #expect(MetricsTopicRecord.decode(Array("{".utf8)) == nil)
    }

    @Test("A metrics record round-trips with routing, and decodes without it")
    func metricsRouting() throws {
        let l = LatencySummary(p50: 1, p90: 2, p99: 3, p999: 4, max: 5)
        let record = MetricsRecord(worker: "w", windowStartMs: 0, windowEndMs: 1000, records: 1, rows: 1, batches: 1,
                                   errors: 0, errorsByCode: [:], meanBatchRows: 1, recordsPerSecond: 1, queueMs: l,
                                   inferenceMs: l, endToEndMs: l, consumerLag: 0, consumerLagByPartition: [:],
                                   inflightRows: 0, models: ["iris": "1"],
                                   routing: ["iris": ModelRouting(serving: "1", latest: "2", versions: ["1", "2"],
                                                                  canary: .init(version: "2", percent: 10))])
        let bytes = Array(try JSONEncoder().encode(record))
        #expect(MetricsTopicRecord.decode(bytes) == .metrics(record))
        var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect((object["routing"] as? [String: Any])?["iris"] != nil)
        object["routing"] = nil
        let withoutRouting = try JSONSerialization.data(withJSONObject: object)
        guard case .metrics(let decoded) = MetricsTopicRecord.decode(Array(withoutRouting)) else {
            Issue.record("metrics without routing did not decode")
            return
        }
        #expect(decoded.routing == nil)
    }

    @Test("Control commands decode from the documented JSON and report missing fields")
    func controlCommands() throws {
        let decoder = JSONDecoder()
        let canary = try decoder.decode(ControlCommand.self,
                                        from: Data(#"{"action":"canary","model":"iris","version":"2","percent":10}"#.utf8))
        #expect(canary == ControlCommand(action: .canary, model: "iris", version: "2", percent: 10))
        #expect(canary.problem == nil)
        #expect(ControlCommand(action: .pin, model: "iris").problem == "pin needs a \"version\"")
        #expect(ControlCommand(action: .canary, model: "iris", version: "2", percent: 150).problem != nil)
        #expect(ControlCommand(action: .canary, model: "iris", version: "2").problem != nil)
        #expect(throws: DecodingError.self) {
            try decoder.decode(ControlCommand.self, from: Data(#"{"action":"explode","model":"iris"}"#.utf8))
        }
    }
}
