import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import StreamScoreGateway
import StreamScoreKafka
import StreamScoreWorker
import Synchronization
import Testing

@Suite("Gateway end to end: embedded broker, real worker, real gateways", .gatewayStack)
struct GatewayEndToEndTests {
    @Test("The tutorial body gets the iris labels and the runtime's probabilities")
    func tutorialRoundTrip() async throws {
        let stack = try stack
        let answer = try await post(stack.main.url + "/predict", tutorialBody)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(answer.header("content-type") == "application/json")
        let json = answer.json
        #expect(numbers(json["result"]) == [0, 1])
        #expect(json["labels"] as? [String] == ["setosa", "versicolor"])
        #expect(json["model"] as? String == "iris")
        #expect(json["model_version"] as? String == "1")
        let reference = try IrisReference().score([[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]])
        let probabilities = matrix(json["probabilities"])
        #expect(probabilities.count == 2)
        for (got, want) in zip(probabilities, reference.probabilities) {
            #expect(got.count == 3)
            for (g, w) in zip(got, want) { #expect(abs(g - Double(w)) < 1e-5) }
        }
    }

    @Test("Named-feature rows, and an explicit model and version, give the same answer")
    func namedRowsAndModelSelection() async throws {
        let stack = try stack
        let body = """
            {"model": "iris", "model_version": "1", "data": [
              {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2},
              {"petal_width": 1.4, "petal_length": 4.4, "sepal_width": 3.1, "sepal_length": 6.7}]}
            """
        let answer = try await post(stack.main.url + "/predict", body)
        #expect(answer.status == 200, "\(answer.text)")
        #expect(numbers(answer.json["result"]) == [0, 1])
    }

    @Test("V2 infer gives the same labels and the runtime's probabilities; outputs can be restricted")
    func openInferenceProtocolInfer() async throws {
        let stack = try stack
        let reference = try IrisReference().score([[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]])
        for data in ["[5.1, 3.5, 1.4, 0.2, 6.7, 3.1, 4.4, 1.4]", "[[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]]"] {
            let body = """
                {"id": "req-7", "inputs": [{"name": "float_input", "shape": [2, 4], "datatype": "FP32", "data": \(data)}]}
                """
            let answer = try await post(stack.main.url + "/v2/models/iris/infer", body)
            #expect(answer.status == 200, "\(answer.text)")
            let json = answer.json
            #expect(json["id"] as? String == "req-7")
            #expect(json["model_name"] as? String == "iris")
            #expect(json["model_version"] as? String == "1")
            let outputs = json["outputs"] as? [[String: Any]] ?? []
            #expect(outputs.map { $0["name"] as? String } == ["label", "probabilities"])
            let label = outputs.first { $0["name"] as? String == "label" } ?? [:]
            #expect(label["datatype"] as? String == "INT64")
            #expect(numbers(label["shape"]) == [2])
            #expect(numbers(label["data"]) == reference.labels.map(Double.init))
            let probabilities = outputs.first { $0["name"] as? String == "probabilities" } ?? [:]
            #expect(probabilities["datatype"] as? String == "FP32")
            #expect(numbers(probabilities["shape"]) == [2, 3])
            let flat = numbers(probabilities["data"])
            #expect(flat.count == 6)
            for (g, w) in zip(flat, reference.probabilities.flatMap { $0 }) { #expect(abs(g - Double(w)) < 1e-5) }
        }
        // Versioned path, FP64 and INT64 inputs, and an outputs list.
        let body = """
            {"inputs": [{"name": "float_input", "shape": [1, 4], "datatype": "INT64", "data": [[7, 3, 6, 2]]}],
             "outputs": [{"name": "label"}]}
            """
        let answer = try await post(stack.main.url + "/v2/models/iris/versions/1/infer", body)
        #expect(answer.status == 200, "\(answer.text)")
        let outputs = answer.json["outputs"] as? [[String: Any]] ?? []
        #expect(outputs.count == 1)
        #expect(outputs.first?["name"] as? String == "label")
        #expect(numbers(outputs.first?["data"]) == (try IrisReference().score([[7, 3, 6, 2]]).labels.map(Double.init)))
    }

    @Test("V2 binary tensor extension: binary inputs in, binary outputs back (tritonclient's default)")
    func binaryTensors() async throws {
        let stack = try stack
        let rows: [[Float]] = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4], [7.7, 2.6, 6.9, 2.3]]
        var binary: [UInt8] = []
        for v in rows.flatMap({ $0 }) { withUnsafeBytes(of: v.bitPattern.littleEndian) { binary += $0 } }
        let header = """
            {"inputs":[{"name":"float_input","shape":[3,4],"datatype":"FP32","parameters":{"binary_data_size":\(binary.count)}}],\
            "parameters":{"binary_data_output":true}}
            """
        let body = Array(header.utf8) + binary
        let answer = try await send(.POST, stack.main.url + "/v2/models/iris/infer", body: body, headers: [
            ("Content-Type", "application/octet-stream"), ("Inference-Header-Content-Length", String(header.utf8.count)),
        ])
        #expect(answer.status == 200, "\(answer.text)")
        let jsonLength = try #require(answer.header("Inference-Header-Content-Length").flatMap(Int.init))
        let json = try JSONSerialization.jsonObject(with: Data(answer.body[0..<jsonLength])) as? [String: Any] ?? [:]
        let outputs = json["outputs"] as? [[String: Any]] ?? []
        var offset = jsonLength
        var labels: [Int64] = []
        var probabilities: [Float] = []
        for output in outputs {
            let size = ((output["parameters"] as? [String: Any])?["binary_data_size"] as? NSNumber)?.intValue ?? 0
            let bytes = Array(answer.body[offset..<(offset + size)])
            offset += size
            bytes.withUnsafeBytes { raw in
                if output["name"] as? String == "label" {
                    labels = (0..<(size / 8)).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: Int64.self)) }
                } else {
                    probabilities = (0..<(size / 4)).map {
                        Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                    }
                }
            }
        }
        #expect(offset == answer.body.count)
        let reference = try IrisReference().score(rows)
        #expect(labels == reference.labels)
        #expect(probabilities.count == 9)
        for (g, w) in zip(probabilities, reference.probabilities.flatMap { $0 }) { #expect(abs(g - w) < 1e-5) }
    }

    @Test("V2 metadata, health and readiness endpoints")
    func metadataAndHealth() async throws {
        let stack = try stack
        let server = try await get(stack.main.url + "/v2")
        #expect(server.status == 200)
        #expect(server.json["name"] as? String == "streamscore")
        #expect((server.json["extensions"] as? [String])?.contains("binary_tensor_data") == true)
        #expect(try await get(stack.main.url + "/v2/health/live").status == 200)
        let ready = try await get(stack.main.url + "/v2/health/ready")
        #expect(ready.status == 200)
        #expect(ready.json["ready"] as? Bool == true)
        let metadata = try await get(stack.main.url + "/v2/models/iris")
        #expect(metadata.status == 200)
        #expect(metadata.json["name"] as? String == "iris")
        #expect(metadata.json["versions"] as? [String] == ["1"])
        let inputs = metadata.json["inputs"] as? [[String: Any]] ?? []
        #expect(inputs.count == 1)
        #expect(inputs.first?["name"] as? String == "float_input")
        #expect(inputs.first?["datatype"] as? String == "FP32")
        #expect(numbers(inputs.first?["shape"]) == [-1, 4])
        let outputs = metadata.json["outputs"] as? [[String: Any]] ?? []
        #expect(outputs.map { $0["name"] as? String } == ["label", "probabilities"])
        #expect(numbers(outputs.last?["shape"]) == [-1, 3])
        #expect(try await get(stack.main.url + "/v2/models/iris/versions/1").status == 200)
        #expect(try await get(stack.main.url + "/v2/models/iris/ready").status == 200)
        #expect(try await get(stack.main.url + "/v2/models/iris/versions/1/ready").json["ready"] as? Bool == true)
    }

    @Test("Error statuses, each with a message saying what and where")
    func errorStatuses() async throws {
        let stack = try stack
        let url = stack.main.url
        // 400: bad JSON, with the byte position.
        var answer = try await post(url + "/predict", #"{"data": [[5.1, 3.5,]]}"#)
        #expect(answer.status == 400)
        #expect(answer.error.contains("invalid JSON at byte 20"), "\(answer.error)")
        // 400: wrong shape.
        answer = try await post(url + "/predict", #"{"data": [5.1, 3.5, 1.4, 0.2]}"#)
        #expect(answer.status == 400)
        #expect(answer.error.contains("data[0] must be an array"), "\(answer.error)")
        answer = try await post(url + "/predict", #"{"rows": [[5.1, 3.5, 1.4, 0.2]]}"#)
        #expect(answer.status == 400)
        #expect(answer.error.contains("missing \"data\""), "\(answer.error)")
        // 400: a non-numeric value, located.
        answer = try await post(url + "/predict", #"{"data": [[5.1, 3.5, 1.4, 0.2], [6.7, "wide", 4.4, 1.4]]}"#)
        #expect(answer.status == 400)
        #expect(answer.error.contains("data[1][1] must be a number, got a string (\"wide\")"), "\(answer.error)")
        // 400 from V2: shape and data disagree, a bad datatype, an unknown output.
        answer = try await post(url + "/v2/models/iris/infer",
                                #"{"inputs": [{"name": "float_input", "shape": [2, 4], "datatype": "FP32", "data": [1, 2, 3]}]}"#)
        #expect(answer.status == 400)
        #expect(answer.error.contains("shape [2, 4] holds 8 values but \"data\" has 3"), "\(answer.error)")
        answer = try await post(url + "/v2/models/iris/infer",
                                #"{"inputs": [{"name": "float_input", "shape": [1, 4], "datatype": "FP32", "data": [1, true, 3, 4]}]}"#)
        #expect(answer.status == 400)
        #expect(answer.error.contains("input 'float_input' data[1] must be a number"), "\(answer.error)")
        answer = try await post(url + "/v2/models/iris/infer",
                                #"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP16", "data": [1, 2, 3, 4]}]}"#)
        #expect(answer.status == 400)
        #expect(answer.error.contains("datatype FP16 is not supported"), "\(answer.error)")
        answer = try await post(url + "/v2/models/iris/infer",
                                #"{"inputs": [{"name": "float_input", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}], "outputs": [{"name": "scores"}]}"#)
        #expect(answer.status == 400)
        #expect(answer.error.contains("no output 'scores'"), "\(answer.error)")
        // 404: unknown model or version.
        answer = try await post(url + "/predict", #"{"model": "nope", "data": [[1, 2, 3, 4]]}"#)
        #expect(answer.status == 404)
        #expect(answer.error.contains("unknown model 'nope'"), "\(answer.error)")
        answer = try await get(url + "/v2/models/iris/versions/9")
        #expect(answer.status == 404)
        #expect(answer.error.contains("model 'iris' has no version '9'"), "\(answer.error)")
        answer = try await post(url + "/v2/models/nope/infer", #"{"inputs": []}"#)
        #expect(answer.status == 404)
        answer = try await get(url + "/nowhere")
        #expect(answer.status == 404)
        #expect(answer.error.contains("no route for GET /nowhere"))
        // 405: wrong method.
        answer = try await get(url + "/predict")
        #expect(answer.status == 405)
        #expect(answer.header("allow") == "POST")
        // 413: body too large (the main gateway's limit is 64 KiB).
        let big = #"{"data": ["# + Array(repeating: "[5.1, 3.5, 1.4, 0.2]", count: 4000).joined(separator: ",") + "]}"
        answer = try await post(url + "/predict", big)
        #expect(answer.status == 413)
        #expect(answer.error.contains("limit"), "\(answer.error)")
        // The gateway still answers afterwards.
        #expect(try await post(url + "/predict", tutorialBody).status == 200)
    }

    @Test("A request the worker rejects (3 features for iris) comes back 400 with the worker's reason")
    func workerRejection() async throws {
        let stack = try stack
        let answer = try await post(stack.main.url + "/predict", #"{"data": [[5.1, 3.5, 1.4]]}"#)
        #expect(answer.status == 400, "\(answer.text)")
        #expect(answer.json["code"] as? String == "wrong-feature-count")
        #expect(answer.error.hasPrefix("wrong-feature-count: "), "\(answer.error)")
        #expect(answer.error.contains("3"), "\(answer.error)")
        // An unknown named feature, caught by the worker too.
        let named = try await post(stack.main.url + "/predict",
                                   #"{"data": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2, "colour": 1}]}"#)
        #expect(named.status == 400, "\(named.text)")
        #expect(named.json["code"] as? String != nil)
    }

    @Test("Auth: rejected without or with a wrong token, accepted with it; health stays open (HummingbirdTesting .router)")
    func authToken() async throws {
        let stack = try stack
        // The running secured gateway's responder behind HummingbirdTesting's router client.
        let app = Application(responder: stack.secured.gateway.responder)
        try await app.test(.router) { client in
            let body = ByteBuffer(string: tutorialBody)
            try await client.execute(uri: "/predict", method: .post, body: body) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("missing bearer token"))
                #expect(response.headers[.wwwAuthenticate] != nil)
            }
            try await client.execute(uri: "/predict", method: .post, headers: [.authorization: "Bearer s3cre7"], body: body) { response in
                #expect(response.status == .unauthorized)
                #expect(String(buffer: response.body).contains("invalid bearer token"))
            }
            try await client.execute(uri: "/v2/models/iris", method: .get, headers: [.authorization: "Basic czNjcmV0"]) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/predict", method: .post,
                                     headers: [.authorization: "Bearer \(GatewayStack.token)"], body: body) { response in
                #expect(response.status == .ok, "\(String(buffer: response.body))")
                #expect(String(buffer: response.body).contains("\"result\":[0,1]"))
            }
            try await client.execute(uri: "/v2/health/ready", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/v2/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
        // And over a real connection.
        let live = try await post(stack.secured.url + "/predict", tutorialBody,
                                  headers: [("Authorization", "Bearer \(GatewayStack.token)")])
        #expect(live.status == 200)
        #expect(try await post(stack.secured.url + "/predict", tutorialBody).status == 401)
    }

    @Test("Two gateways in one reply group: 2 × 2,000 concurrent requests, each answered with its own prediction")
    func twoGatewaysNoCrossTalk() async throws {
        let stack = try stack
        let reference = try IrisReference()
        let perGateway = 2000
        // Distinct rows: every request has its own probabilities, so a crossed answer shows.
        let row: @Sendable (Int, Int) -> [Float] = { gateway, i in
            let t = Float(gateway * perGateway + i) / Float(2 * perGateway)
            return [4.3 + 3.6 * t, 2.0 + 2.4 * (1 - t), 1.0 + 5.9 * t, 0.1 + 2.4 * t]
        }
        let expected = try (0..<2).map { g in try reference.score((0..<perGateway).map { row(g, $0) }) }
        let lateBefore = try await (0..<2).asyncMap { g in
            metricValue(try await get(stack.pair[g].url + "/metrics").text,
                        "streamscore_gateway_late_replies_total{reason=\"foreign\"}") ?? 0
        }
        let failures = FailureLog()
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for g in 0..<2 {
                for lane in 0..<24 {
                    group.addTask {
                        var i = lane
                        while i < perGateway {
                            let values = row(g, i)
                            let body = "{\"data\": [[\(values.map { "\($0)" }.joined(separator: ", "))]]}"
                            let answer = try await post(stack.pair[g].url + "/predict", body)
                            let probabilities = matrix(answer.json["probabilities"]).first ?? []
                            let label = numbers(answer.json["result"]).first
                            let want = expected[g].probabilities[i]
                            let matches = answer.status == 200 && label == Double(expected[g].labels[i])
                                && probabilities.count == 3
                                && zip(probabilities, want).allSatisfy { abs($0 - Double($1)) < 1e-5 }
                            if !matches {
                                failures.add("gateway \(g) request \(i): \(answer.status) \(answer.text)")
                            }
                            i += 24
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - start
        let failed = failures.all
        #expect(failed.isEmpty, "\(failed.count) wrong answers, e.g. \(failed.prefix(3))")
        // Each gateway read only its own partitions: no foreign replies showed up.
        for g in 0..<2 {
            let text = try await get(stack.pair[g].url + "/metrics").text
            #expect(metricValue(text, "streamscore_gateway_late_replies_total{reason=\"foreign\"}") == lateBefore[g])
            #expect((metricValue(text, "streamscore_http_requests_total{route=\"/predict\",status=\"200\"}") ?? 0) >= Double(perGateway))
        }
        print("two gateways: \(2 * perGateway) requests in \(elapsed)")
    }

    @Test("Metrics: Prometheus text with requests by route and status, latency histogram, pending, timeouts, late replies")
    func metricsEndpoint() async throws {
        let stack = try stack
        _ = try await post(stack.main.url + "/predict", tutorialBody)
        _ = try await post(stack.main.url + "/predict", "{")
        let answer = try await get(stack.main.url + "/metrics")
        #expect(answer.status == 200)
        #expect(answer.header("content-type")?.hasPrefix("text/plain") == true)
        let text = answer.text
        #expect((metricValue(text, "streamscore_http_requests_total{route=\"/predict\",status=\"200\"}") ?? 0) >= 1)
        #expect((metricValue(text, "streamscore_http_requests_total{route=\"/predict\",status=\"400\"}") ?? 0) >= 1)
        #expect(text.contains("# TYPE streamscore_http_request_seconds histogram"))
        #expect((metricValue(text, "streamscore_http_request_seconds_count{route=\"/predict\"}") ?? 0) >= 2)
        #expect(metricValue(text, "streamscore_gateway_pending_requests") != nil)
        #expect(metricValue(text, "streamscore_gateway_timeouts_total") != nil)
        #expect(metricValue(text, "streamscore_gateway_late_replies_total{reason=\"late\"}") != nil)
        #expect(metricValue(text, "streamscore_gateway_ready") == 1)
        #expect(metricValue(text, "streamscore_gateway_reply_partitions") == 6)
    }

    @Test("Worker down: 504 within the timeout, 503 at the pending bound; then a worker starts and requests succeed")
    func workerDownThenUp() async throws {
        let stack = try stack
        let url = stack.down.url
        // No worker reads down.features: two requests wait (the bound is 2), a third is refused.
        let start = ContinuousClock.now
        async let first = post(url + "/predict", tutorialBody)
        async let second = post(url + "/predict", tutorialBody)
        _ = try await eventually(timeout: .seconds(3), "two pending") { stack.down.gateway.pendingRequests == 2 ? true : nil }
        let third = try await post(url + "/predict", tutorialBody)
        #expect(third.status == 503)
        #expect(third.header("retry-after") == "1")
        #expect(third.error.contains("too many requests in flight"), "\(third.error)")
        let (a, b) = try await (first, second)
        let elapsed = ContinuousClock.now - start
        for answer in [a, b] {
            #expect(answer.status == 504, "\(answer.text)")
            #expect(answer.error.contains("no prediction within 3000 ms"), "\(answer.error)")
        }
        #expect(elapsed >= .milliseconds(3000))
        // Only a sanity bound (the suite shares 2 cores): the answer came from the timeout, not
        // from some later event.
        #expect(elapsed < .seconds(13), "504 took \(elapsed)")

        // A worker starts; requests succeed once it has joined its group.
        let worker = try RunningWorker(workerConfig(stack.broker, input: "down.features", group: "down-workers"))
        let answer = try await eventually(timeout: .seconds(20), "a prediction after the worker started") { () -> HTTPAnswer? in
            guard let answer = try? await post(url + "/predict", tutorialBody), answer.status == 200 else { return nil }
            return answer
        }
        #expect(numbers(answer.json["result"]) == [0, 1])
        // The requests that timed out reached the worker after their deadline: it answered them
        // as expired, and the gateway dropped those replies as late.
        let late = try await eventually(timeout: .seconds(10), "late replies counted") { () -> Double? in
            let text = try? await get(url + "/metrics").text
            let value = text.flatMap { metricValue($0, "streamscore_gateway_late_replies_total{reason=\"late\"}") } ?? 0
            return value >= 2 ? value : nil
        }
        #expect(late >= 2)
        let metrics = try await get(url + "/metrics").text
        #expect((metricValue(metrics, "streamscore_gateway_timeouts_total") ?? 0) >= 2)
        await worker.stop()
    }
}

@Suite("Gateway without Kafka (HummingbirdTesting .router)")
struct GatewayWithoutKafkaTests {
    @Test("Not connected yet: readiness and predictions answer 503; validation still answers 400")
    func notReady() async throws {
        var config = GatewayConfiguration(brokers: "127.0.0.1:1")
        config.modelsDirectory = modelsDirectory
        let gateway = Gateway(configuration: config, logger: quietLogger)
        let app = Application(responder: gateway.responder)
        try await app.test(.router) { client in
            try await client.execute(uri: "/v2/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(String(buffer: response.body).contains("not ready"))
            }
            try await client.execute(uri: "/v2/health/live", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/predict", method: .post, body: ByteBuffer(string: tutorialBody)) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.retryAfter] == "1")
                #expect(String(buffer: response.body).contains("not ready"))
            }
            try await client.execute(uri: "/predict", method: .post, body: ByteBuffer(string: "[1, 2]")) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("must be a JSON object"))
            }
            try await client.execute(uri: "/v2/models/iris", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}

final class FailureLog: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ failure: String) { list.withLock { $0.append(failure) } }
    var all: [String] { list.withLock { $0 } }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
