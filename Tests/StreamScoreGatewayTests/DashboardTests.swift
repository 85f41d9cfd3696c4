import Foundation
import StreamScoreGateway
import StreamScoreKafka
import StreamScoreWorker
import Testing

@Suite("Gateway dashboard", .serialized)
struct DashboardTests {
    /// The fields the README documents for `GET /dashboard/data`.
    static let topFields: Set = ["now_ms", "topic", "feed", "window_s", "workers", "series", "drift", "events"]
    static let seriesFields: Set = [
        "t", "workers", "records_per_s", "predictions_per_s", "rows_per_s", "dlq_per_s", "dlq_per_s_by_code",
        "mean_batch_rows", "end_to_end_p50_ms", "end_to_end_p99_ms", "end_to_end_p999_ms", "consumer_lag", "inflight_rows",
    ]
    static let workerFields: Set = [
        "id", "state", "last_seen_ms", "age_s", "interval_s", "records_per_s", "predictions_per_s", "rows_per_s",
        "dlq_per_s", "dlq_per_s_by_code", "mean_batch_rows", "end_to_end_ms", "queue_ms", "inference_ms", "inflight_rows",
        "consumer_lag", "consumer_lag_by_partition", "models",
    ]

    @Test("/dashboard/data has the documented fields, and its series fill while records stream")
    func dataWhileStreaming() async throws {
        let broker = try EmbeddedBroker(topics: [
            TopicSpec("features", partitions: 3), TopicSpec("predictions", partitions: 3),
            TopicSpec("streamscore.replies", partitions: 2), TopicSpec("dash.metrics", partitions: 1),
            TopicSpec("features.dlq", partitions: 1),
        ])
        defer { broker.shutdown() }
        var workerConfiguration = workerConfig(broker, input: "features", group: "dash-workers")
        workerConfiguration.metricsTopic = "dash.metrics"
        workerConfiguration.workerID = "dash-worker-1"
        let worker = try RunningWorker(workerConfiguration)
        var gatewayConfiguration = gatewayConfig(broker)
        gatewayConfiguration.metricsTopic = "dash.metrics"
        let gateway = await RunningGateway(gatewayConfiguration)

        let traffic = Task {
            var config = KafkaConfiguration(bootstrapServers: broker.bootstrapServers)
            config.lingerMs = 2
            let producer = try KafkaProducer(configuration: config)
            var n: UInt64 = 0
            while !Task.isCancelled {
                for _ in 0..<20 {
                    let value = n % 10 == 9 ? "{bad json" : #"{"id":"r\#(n)","features":[5.1,3.5,1.4,0.2]}"#
                    try await producer.enqueue(topic: "features", key: Array("r\(n)".utf8), value: Array(value.utf8), token: n)
                    n += 1
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            await producer.close()
        }
        defer { traffic.cancel() }

        // Wait until a few seconds of scored traffic are in the series.
        let data = try await eventually(timeout: .seconds(45), "dashboard series with throughput") { () -> [String: Any]? in
            guard let answer = try? await get(gateway.url + "/dashboard/data"), answer.status == 200 else { return nil }
            let json = answer.json
            let series = json["series"] as? [String: Any] ?? [:]
            let busy = numbers(series["records_per_s"]).filter { $0 > 0 }.count
            let workers = json["workers"] as? [[String: Any]] ?? []
            let scoring = workers.contains {
                $0["id"] as? String == "dash-worker-1" && (($0["records_per_s"] as? NSNumber)?.doubleValue ?? 0) > 0
            }
            return busy >= 3 && scoring ? json : nil
        }
        #expect(Set(data.keys) == Self.topFields)
        #expect(data["topic"] as? String == "dash.metrics")
        #expect(data["window_s"] as? Int == 900)
        let now = Date().timeIntervalSince1970 * 1000
        #expect(abs(((data["now_ms"] as? NSNumber)?.doubleValue ?? 0) - now) < 60_000)
        #expect((data["feed"] as? [String: Any])?["state"] as? String == "live")

        let series = try #require(data["series"] as? [String: Any])
        #expect(Set(series.keys) == Self.seriesFields)
        let t = numbers(series["t"])
        #expect(t.count >= 3)
        #expect(zip(t, t.dropFirst()).allSatisfy { $1 - $0 == 1 }, "one point per second, no gaps in the axis")
        for field in Self.seriesFields.subtracting(["t", "dlq_per_s_by_code"]) {
            #expect((series[field] as? [Any])?.count == t.count, "\(field) has one value per second")
        }
        #expect(numbers(series["predictions_per_s"]).contains { $0 > 0 })
        #expect(numbers(series["end_to_end_p99_ms"]).contains { $0 > 0 })
        #expect(numbers(series["mean_batch_rows"]).contains { $0 >= 1 })
        let byCode = try #require(series["dlq_per_s_by_code"] as? [String: Any])
        #expect(numbers(byCode["invalid-json"]).contains { $0 > 0 }, "the bad records show as invalid-json dead letters")

        let workers = try #require(data["workers"] as? [[String: Any]])
        let me = try #require(workers.first { $0["id"] as? String == "dash-worker-1" })
        #expect(Self.workerFields.isSubset(of: Set(me.keys)))
        #expect(me["state"] as? String == "live")
        #expect(((me["records_per_s"] as? NSNumber)?.doubleValue ?? 0) > 0)
        #expect(((me["end_to_end_ms"] as? [String: Any])?["p99"] as? NSNumber)?.doubleValue ?? 0 > 0)
        #expect(me["models"] as? [String: String] == ["iris": "1"])
        #expect((data["drift"] as? [Any]) != nil && (data["events"] as? [Any]) != nil)

        traffic.cancel()
        _ = try? await traffic.value
        await gateway.stop()
        await worker.stop()
    }

    @Test("/dashboard is one self-contained page; with a token the page stays open and its data needs the token")
    func pageAndAuth() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("streamscore.replies", partitions: 1),
                                                 TopicSpec("inference-metrics", partitions: 1)])
        defer { broker.shutdown() }
        var configuration = gatewayConfig(broker)
        configuration.authToken = "dash-token"
        let gateway = await RunningGateway(configuration)

        let page = try await get(gateway.url + "/dashboard")
        #expect(page.status == 200)
        #expect(page.header("content-type")?.hasPrefix("text/html") == true)
        let html = page.text
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(!html.contains("http://") && !html.contains("https://"), "no external references")
        #expect(!html.contains("<link") && !html.contains(" src=") && !html.contains("@import"), "no external assets")
        #expect(html.contains("<style>") && html.contains("<script>"), "inline CSS and JavaScript")
        #expect(html.contains("data-points") && html.contains("/data"))
        for chart in ["throughput", "latency", "batch", "dlq", "lag"] {
            #expect(html.contains(#"id="chart-\#(chart)""#), "a \(chart) chart")
        }
        #expect(page.header("content-security-policy")?.contains("default-src 'none'") == true)

        let refused = try await get(gateway.url + "/dashboard/data")
        #expect(refused.status == 401)
        #expect(refused.header("www-authenticate")?.hasPrefix("Bearer") == true)
        let wrong = try await get(gateway.url + "/dashboard/data", headers: [("Authorization", "Bearer nope")])
        #expect(wrong.status == 401)
        let allowed = try await get(gateway.url + "/dashboard/data", headers: [("Authorization", "Bearer dash-token")])
        #expect(allowed.status == 200)
        #expect(allowed.json["topic"] as? String == "inference-metrics")
        await gateway.stop()
    }
}
