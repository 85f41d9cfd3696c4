import Foundation
import StreamScoreContract
import StreamScoreKafka
import StreamScoreModel
import StreamScoreWorker
import Testing

@Suite("Worker end to end on the embedded broker", .serialized)
struct WorkerEndToEndTests {
    @Test("20,000 iris records in all three shapes: every one predicted once, with the model's labels")
    func twentyThousand() async throws {
        let broker = try makeBroker()
        defer { broker.shutdown() }
        let fixture = try IrisFixture.load()
        var records: [(key: String, value: String, headers: [KafkaHeader])] = []
        var expected: [String: [Int64]] = [:]
        for i in 0..<20_000 {
            let r = i % fixture.rows.count
            let row = fixture.rows[r]
            let id = "rec-\(i)"
            let value: String
            switch i % 3 {
            case 0:
                value = "{\"id\":\"\(id)\",\"features\":[\(row.map(jsonNumber).joined(separator: ","))]}"
                expected[id] = [fixture.labels[r]]
            case 1:
                let named = zip(irisFeatureNames, row).map { "\"\($0)\":\(jsonNumber($1))" }.joined(separator: ",")
                value = "{\"id\":\"\(id)\",\"features\":{\(named)}}"
                expected[id] = [fixture.labels[r]]
            default:
                let r2 = (r + 7) % fixture.rows.count
                let rows = [row, fixture.rows[r2]].map { "[\($0.map(jsonNumber).joined(separator: ","))]" }
                value = "{\"id\":\"\(id)\",\"data\":[\(rows.joined(separator: ","))]}"
                expected[id] = [fixture.labels[r], fixture.labels[r2]]
            }
            records.append((id, value, []))
        }
        try await produce(broker, records)
        let worker = try RunningWorker(workerConfig(broker))
        let predictions = try await readAll(broker, topic: "predictions", count: 20_000)
        try await worker.stop()

        #expect(predictions.count == 20_000)
        var seenOffsets = Set<String>()
        var ids = Set<String>()
        for message in predictions {
            let p = try decodePrediction(message)
            let id = try #require(p.id)
            ids.insert(id)
            let want = try #require(expected[id])
            if let result = p.result {
                #expect(result == want.map { PredictionValue.int($0) }, "\(id)")
                #expect(p.rowProbabilities?.count == 2)
            } else {
                #expect(p.prediction == .int(want[0]), "\(id)")
                #expect(p.label == ["setosa", "versicolor", "virginica"][Int(want[0])])
                #expect(p.probabilities?.count == 3)
            }
            #expect(p.model == "iris" && p.modelVersion == "1")
            let source = try #require(p.source)
            #expect(source.topic == "features")
            seenOffsets.insert("\(source.partition):\(source.offset)")
            #expect(message.key.map { String(decoding: $0, as: UTF8.self) } == id, "keyed like the input")
        }
        #expect(ids.count == 20_000, "exactly once per input")
        #expect(seenOffsets.count == 20_000, "source offsets cover every input")
    }

    @Test("One partition's predictions leave in input order across models, shapes and dead letters")
    func inputOrderAcrossGroups() async throws {
        let broker = try makeLifecycleBroker()
        defer { broker.shutdown() }
        let store = try TemporaryModelStore()
        defer { store.cleanUp() }
        try store.addVersion("2")
        // One key: every record lands in one input partition and one output partition. The
        // batches mix two model versions (two groups), three shapes (fast and full decoding) and
        // dead letters, so outputs are made out of input order and must be put back in it.
        var records: [(key: String, value: String, headers: [KafkaHeader])] = []
        var expected: [(id: String, version: String)] = []
        for i in 0..<300 {
            let id = "o\(i)"
            let value: String
            switch i % 5 {
            case 0: value = #"{"id":"\#(id)","features":{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}}"#
            case 1: value = #"{"id":"\#(id)","data":[[6.7,3.0,5.2,2.3],[5.1,3.5,1.4,0.2]]}"#
            case 2: value = #"{"id":"\#(id)","features":[1,2,3]}"#  // dead letter: wrong feature count
            default: value = #"{"id":"\#(id)","features":[5.9,3.0,4.2,1.5]}"#
            }
            let version = i % 3 == 0 ? "2" : "1"
            records.append(("same-key", value, [KafkaHeader(HeaderName.modelVersion, version)]))
            if i % 5 != 2 { expected.append((id, version)) }
        }
        try await produce(broker, records)
        var config = lifecycleConfig(broker, store: store)
        config.maxBatchRows = 64
        let worker = try RunningWorker(config)
        let predictions = try await readAll(broker, topic: "predictions", count: expected.count)
        let dead = try await readAll(broker, topic: "features.dlq", count: 60)
        try await worker.stop()

        let decoded = try predictions.map(decodePrediction)
        #expect(decoded.map { $0.id ?? "" } == expected.map(\.id), "predictions in input order")
        #expect(decoded.map { $0.modelVersion ?? "" } == expected.map(\.version), "each scored by the version it asked for")
        let offsets = decoded.compactMap { $0.source?.offset }
        #expect(offsets == offsets.sorted() && Set(offsets).count == offsets.count, "source offsets strictly increase")
        #expect(dead.count == 60)
        #expect(dead.allSatisfy { $0.headers.string(named: HeaderName.error) == DeadLetterCode.wrongFeatureCount.rawValue })
    }

    @Test("Bad records go to the DLQ with the right code; every good one is predicted; the worker keeps going")
    func deadLetters() async throws {
        let broker = try makeBroker()
        defer { broker.shutdown() }
        let past = String(Int64(Date().timeIntervalSince1970 * 1000) - 60_000)
        let bad: [(String, String, [KafkaHeader], DeadLetterCode)] = [
            ("b1", "{not json", [], .invalidJSON),
            ("b2", "[1,2,3,4]", [], .invalidRecord),
            ("b3", "{\"id\":\"b3\",\"features\":[1,2,3]}", [], .wrongFeatureCount),
            ("b4", "{\"id\":\"b4\",\"features\":{\"sepal_length\":1,\"sepal_width\":2,\"petal_length\":3,\"petal_width\":4,\"colour\":5}}", [], .unknownFeature),
            ("b5", "{\"id\":\"b5\",\"features\":{\"sepal_length\":1,\"sepal_width\":2,\"petal_length\":3}}", [], .missingFeature),
            ("b6", "{\"id\":\"b6\",\"features\":[1,\"two\",3,4]}", [], .wrongType),
            ("b7", "{\"id\":\"b7\",\"features\":[1,Infinity,3,4]}", [], .nonFinite),
            ("b8", "{\"id\":\"b8\",\"features\":[1,\"NaN\",3,4]}", [], .nonFinite),
            ("b9", "{\"id\":\"b9\",\"features\":[" + String(repeating: "1,", count: 300_000) + "1]}", [], .tooLarge),
            ("b10", "", [], .empty),
            ("b11", "{\"id\":\"b11\",\"features\":[1,2,3,4]}", [KafkaHeader(HeaderName.model, "nope")], .unknownModel),
            ("b12", "{\"id\":\"b12\",\"features\":[1,2,3,4]}", [KafkaHeader(HeaderName.deadlineMs, past)], .expired),
        ]
        var records: [(key: String, value: String, headers: [KafkaHeader])] = []
        for i in 0..<200 {
            records.append(("g\(i)", "{\"id\":\"g\(i)\",\"features\":[5.1,3.5,1.4,\(i % 2 == 0 ? "null" : "0.2")]}", []))
            if i % 16 == 0, i / 16 < bad.count {
                let b = bad[i / 16]
                records.append((b.0, b.1, b.2))
            }
        }
        try await produce(broker, records)
        var config = workerConfig(broker)
        config.maxBatchRows = 32
        config.maxRecordBytes = 400_000
        let worker = try RunningWorker(config)
        let predictions = try await readAll(broker, topic: "predictions", count: 200)
        let dead = try await readAll(broker, topic: "features.dlq", count: bad.count)
        #expect(await worker.worker.isReady)
        try await worker.stop()

        #expect(Set(try predictions.map { try decodePrediction($0).id ?? "" }) == Set((0..<200).map { "g\($0)" }))
        #expect(dead.count == bad.count)
        let byKey = Dictionary(dead.map { (String(decoding: $0.key ?? [], as: UTF8.self), $0) }, uniquingKeysWith: { a, _ in a })
        for (key, value, _, code) in bad {
            let message = try #require(byKey[key], "\(key) is dead-lettered")
            #expect(message.headers.string(named: HeaderName.error) == code.rawValue, "\(key)")
            #expect(!(message.headers.string(named: HeaderName.errorDetail) ?? "").isEmpty)
            #expect(message.headers.string(named: HeaderName.sourceTopic) == "features")
            #expect(message.headers.string(named: HeaderName.sourceOffset).flatMap { Int64($0) } != nil)
            #expect(Array(message.value) == Array(value.utf8), "the input bytes unchanged")
        }
    }

    @Test("Replies go to reply-to / reply-partition with correlation-id; rejections get an error reply")
    func replyRouting() async throws {
        let broker = try makeBroker()
        defer { broker.shutdown() }
        try await produce(broker, [
            ("r1", "{\"id\":\"r1\",\"data\":[[5.1,3.5,1.4,0.2],[6.7,3.1,4.4,1.4]]}",
             [KafkaHeader(HeaderName.replyTo, "streamscore.replies"), KafkaHeader(HeaderName.replyPartition, "4"),
              KafkaHeader(HeaderName.correlationID, "corr-1"), KafkaHeader(HeaderName.traceparent, "00-abc-def-01")]),
            ("r2", "{\"id\":\"r2\",\"data\":[[1,2,3]]}",
             [KafkaHeader(HeaderName.replyTo, "streamscore.replies"), KafkaHeader(HeaderName.replyPartition, "4"),
              KafkaHeader(HeaderName.correlationID, "corr-2")]),
        ])
        let worker = try RunningWorker(workerConfig(broker))
        let replies = try await readAll(broker, topic: "streamscore.replies", count: 2)
        try await worker.stop()
        #expect(replies.count == 2)
        #expect(replies.allSatisfy { $0.partition == 4 })
        let ok = try #require(replies.first { $0.headers.string(named: HeaderName.correlationID) == "corr-1" })
        #expect(ok.headers.string(named: HeaderName.traceparent) == "00-abc-def-01")
        #expect(try decodePrediction(ok).result == [.int(0), .int(1)])
        let rejected = try #require(replies.first { $0.headers.string(named: HeaderName.correlationID) == "corr-2" })
        let error = try decodePrediction(rejected)
        #expect(error.error == "wrong-feature-count")
        #expect(error.errorDetail?.contains("4 features") == true)
        let streamed = try await readAll(broker, topic: "predictions", count: 1, timeout: .seconds(8))
        #expect(streamed.isEmpty, "replies do not also go to the streaming topic")
    }
}
