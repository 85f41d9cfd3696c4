import Foundation
import StreamScoreContract
import StreamScoreKafka
import StreamScoreMonitor
import Testing

@Suite("MetricsFeed on the embedded broker", .serialized)
struct MetricsFeedTests {
    @Test("Metrics, drift and model-event records show up in the snapshot with the right aggregates")
    func aggregates() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("inference-metrics", partitions: 2)])
        defer { broker.shutdown() }
        // 30 one-second windows per worker, aligned on half seconds so each covers exactly one second.
        let lastEnd = (nowMs() / 1000) * 1000 - 500
        let canary = ["iris": ModelRouting(serving: "1", latest: "2", versions: ["1", "2"],
                                           canary: .init(version: "2", percent: 10), shadow: "2")]
        var metrics: [MetricsRecord] = []
        for k in 0..<30 {
            let end = lastEnd - Int64(29 - k) * 1000
            metrics.append(metricsRecord("w-a", endMs: end, records: 100, rows: 200, batches: 10,
                                         errorsByCode: ["invalid-json": 3, "expired": 2], p50: 1, p99: 4, p999: 6,
                                         lag: 7, inflight: 10))
            metrics.append(metricsRecord("w-b", endMs: end, records: 100, rows: 200, batches: 10,
                                         errorsByCode: ["invalid-json": 3], p50: 2, p99: 9, p999: 12, lag: 3,
                                         inflight: 20, routing: canary))
        }
        let drift = [driftRecord("w-a", endMs: lastEnd - 10_000, psi: ["a": 0.1, "b": 0.01, "c": 0.05]),
                     driftRecord("w-a", endMs: lastEnd, psi: ["a": 0.5, "b": 0.05, "c": 0.3])]
        let events = (0..<3).map { i in
            ModelEventRecord(worker: "w-a", timeMs: lastEnd - Int64(3 - i) * 1000, model: "iris", version: "\(i + 1)",
                             event: i == 2 ? .refused : .loaded, reason: "event \(i)", serving: "1")
        }
        try await produce(broker, topic: "inference-metrics", metrics: metrics, drift: drift, events: events)
        try await produce(broker, topic: "inference-metrics", [(key: "junk", value: Array("{not json".utf8))])

        let running = RunningFeed(MetricsFeedConfiguration(brokers: broker.bootstrapServers))
        #expect(await running.feed.waitUntilCaughtUp(timeout: .seconds(20)))
        let snapshot = running.feed.snapshot(nowMs: lastEnd + 500)
        #expect(snapshot.feed.state == .live)
        #expect(snapshot.feed.recordsRead == 60 + 2 + 3 + 1)
        #expect(snapshot.feed.recordsSkipped == 1)

        // Per worker: the latest window.
        #expect(snapshot.workers.map(\.id) == ["w-a", "w-b"])
        #expect(snapshot.workers.allSatisfy { $0.state == .live })
        let a = try #require(snapshot.workers.first)
        #expect(a.recordsPerSecond == 100)
        #expect(a.predictionsPerSecond == 95)
        #expect(a.rowsPerSecond == 200)
        #expect(a.dlqPerSecond == 5)
        #expect(a.dlqPerSecondByCode == ["invalid-json": 3, "expired": 2])
        #expect(a.endToEndMs.p99 == 4)
        #expect(a.consumerLag == 7)
        #expect(a.models == ["iris": "1"])
        #expect(snapshot.workers[1].routing?["iris"]?.canary == .init(version: "2", percent: 10))

        // Fleet series: one point per second for 30 seconds, both workers in each.
        let s = snapshot.series
        #expect(s.t.count == 30)
        #expect(s.t.last == lastEnd / 1000, "the second the last window ends in")
        #expect(s.workers.allSatisfy { $0 == 2 })
        #expect(s.recordsPerSecond.allSatisfy { $0 == 200 })
        #expect(s.predictionsPerSecond.allSatisfy { $0 == 192 })
        #expect(s.rowsPerSecond.allSatisfy { $0 == 400 })
        #expect(s.dlqPerSecond.allSatisfy { $0 == 8 })
        #expect(s.dlqPerSecondByCode["invalid-json"]?.allSatisfy { $0 == 6 } == true)
        #expect(s.dlqPerSecondByCode["expired"]?.allSatisfy { $0 == 2 } == true)
        #expect(s.meanBatchRows.allSatisfy { $0 == 20 })
        #expect(s.endToEndP50Ms.allSatisfy { $0 == 2 })
        #expect(s.endToEndP99Ms.allSatisfy { $0 == 9 }, "the worst worker's p99")
        #expect(s.endToEndP999Ms.allSatisfy { $0 == 12 })
        #expect(s.consumerLag.allSatisfy { $0 == 10 })
        #expect(s.inflightRows.allSatisfy { $0 == 30 })

        // Drift: the latest window, worst feature first, and PSI over time.
        let d = try #require(snapshot.drift.first)
        #expect(snapshot.drift.count == 1)
        #expect(d.model == "iris" && d.version == "1" && d.isDrifting)
        #expect(d.features.map(\.feature) == ["a", "c", "b"])
        #expect(d.features.map(\.drifted) == [true, true, false])
        #expect(d.series.t.count == 2)
        #expect(d.series.psi["a"] == [0.1, 0.5])
        #expect(d.series.threshold == 0.2)

        // Events, newest first.
        #expect(snapshot.events.map(\.reason) == ["event 2", "event 1", "event 0"])

        // New records keep arriving after the history.
        try await produce(broker, topic: "inference-metrics", metrics: [metricsRecord("w-c", endMs: nowMs())])
        #expect(await eventually { running.feed.snapshot().workers.contains { $0.id == "w-c" } })
        await running.stop()
        #expect(running.feed.status.state == .stopped)
    }

    @Test("History stays bounded: one sample per second of the window, capped workers, models and events")
    func bounded() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("m", partitions: 1)])
        defer { broker.shutdown() }
        var config = MetricsFeedConfiguration(brokers: broker.bootstrapServers, topic: "m")
        config.window = .seconds(60)
        config.maxWorkers = 5
        config.maxModels = 2
        config.maxEvents = 10
        config.historyRecords = 100_000
        let now = nowMs()
        // Five minutes of one-second windows: only the last minute is kept.
        let backlog = (0..<300).map { k in metricsRecord("steady", endMs: now - Int64(299 - k) * 1000) }
        // A burst of 500 two-millisecond windows inside one second merges into one sample.
        let burstEnd = (now / 1000) * 1000 + 999
        let burst = (0..<500).map { k in
            metricsRecord("burst", endMs: burstEnd - Int64(499 - k) * 2, lengthMs: 2, records: 1, rows: 1, batches: 1)
        }
        // Twenty workers, five remembered; three model versions, two remembered; 100 events, ten kept.
        let crowd = (0..<20).map { i in metricsRecord("crowd-\(i)", endMs: now - 30_000 + Int64(i)) }
        let drift = (1...3).map { v in driftRecord("steady", endMs: now - 1000 + Int64(v), psi: ["a": 0.1], version: "\(v)") }
        let events = (0..<100).map { i in
            ModelEventRecord(worker: "steady", timeMs: now - 100_000 + Int64(i) * 1000, model: "iris", version: "1",
                             event: .control, reason: "command \(i)", serving: "1")
        }
        try await produce(broker, topic: "m", metrics: backlog + burst + crowd, drift: drift, events: events)

        let running = RunningFeed(config)
        #expect(await running.feed.waitUntilCaughtUp(timeout: .seconds(30)))
        let snapshot = running.feed.snapshot(nowMs: now + 1000)
        let counts = running.feed.storedCounts
        #expect(counts.workers <= 5)
        #expect(counts.samples <= 5 * 62, "at most one sample per second of the window per worker")
        #expect(counts.driftSeries == 2)
        #expect(counts.events == 10)
        #expect(snapshot.events.first?.reason == "command 99")
        #expect(snapshot.drift.map(\.version).sorted() == ["2", "3"], "the longest silent model version was forgotten")
        #expect(snapshot.series.t.count <= 61)
        #expect(snapshot.series.t.first.map { $0 >= (now + 1000) / 1000 - 60 } == true)
        // The burst: 500 records in one second, counted once each.
        let burstWorker = snapshot.workers.first { $0.id == "burst" }
        #expect(burstWorker != nil)
        let burstSecond = try #require(snapshot.series.t.firstIndex(of: burstEnd / 1000))
        #expect(snapshot.series.workers[burstSecond] >= 1)
        let steadyAlone = 100.0  // the steady worker's rate in every second
        #expect(snapshot.series.recordsPerSecond[burstSecond] == steadyAlone + 500)
        await running.stop()
    }

    @Test("Workers go stale after a few silent intervals, then leave the list; the window forgets them")
    func staleWorkers() async throws {
        let broker = try EmbeddedBroker(topics: [TopicSpec("inference-metrics", partitions: 1)])
        defer { broker.shutdown() }
        var config = MetricsFeedConfiguration(brokers: broker.bootstrapServers)
        config.staleAfter = .seconds(2)  // three 1-second intervals win: stale after 3 s
        config.dropAfter = .seconds(5)  // ten intervals win: dropped after 10 s
        config.window = .seconds(60)
        let now = nowMs()
        let fresh = (0..<5).map { k in metricsRecord("fresh", endMs: now - 200 - Int64(4 - k) * 1000) }
        let quiet = (0..<5).map { k in metricsRecord("quiet", endMs: now - 5000 - Int64(4 - k) * 1000) }
        let gone = (0..<5).map { k in metricsRecord("gone", endMs: now - 20_000 - Int64(4 - k) * 1000) }
        try await produce(broker, topic: "inference-metrics", metrics: fresh + quiet + gone)
        let running = RunningFeed(config)
        #expect(await running.feed.waitUntilCaughtUp(timeout: .seconds(20)))

        let first = running.feed.snapshot(nowMs: now)
        #expect(first.workers.map(\.id) == ["fresh", "quiet"], "live first, then stale; 'gone' left the list")
        #expect(first.workers.map(\.state) == [.live, .stale])
        #expect(first.workers[1].ageSeconds >= 5)
        #expect(first.series.workers.contains(1), "the gone worker's past still counts in the series")
        #expect(first.series.t.first == (now - 24_000) / 1000, "from the gone worker's first window")

        let later = running.feed.snapshot(nowMs: now + 6000)
        #expect(later.workers.map(\.id) == ["fresh"])
        #expect(later.workers.first?.state == .stale)

        let muchLater = running.feed.snapshot(nowMs: now + 120_000)
        #expect(muchLater.workers.isEmpty)
        #expect(muchLater.series.t.isEmpty)
        #expect(running.feed.storedCounts.workers == 0, "workers with nothing in the window are forgotten")
        await running.stop()
    }

    @Test("Unreachable brokers leave the feed connecting; a missing topic counts as empty")
    func unreachableAndEmpty() async throws {
        let listener = try ClosedPort()
        var unreachable = MetricsFeedConfiguration(brokers: "127.0.0.1:\(listener.port)")
        unreachable.kafkaProperties = ["reconnect.backoff.max.ms": "200"]
        let nowhere = RunningFeed(unreachable)
        #expect(await nowhere.feed.waitUntilCaughtUp(timeout: .seconds(2)) == false)
        #expect(nowhere.feed.status.state == .connecting)
        let stopStart = ContinuousClock.now
        await nowhere.stop()
        #expect(ContinuousClock.now - stopStart < .seconds(10))
        #expect(nowhere.feed.status.state == .stopped)

        let broker = try EmbeddedBroker(topics: [])
        defer { broker.shutdown() }
        let empty = RunningFeed(MetricsFeedConfiguration(brokers: broker.bootstrapServers, topic: "absent"))
        #expect(await empty.feed.waitUntilCaughtUp(timeout: .seconds(20)))
        let snapshot = empty.feed.snapshot()
        #expect(snapshot.workers.isEmpty && snapshot.series.t.isEmpty && snapshot.drift.isEmpty && snapshot.events.isEmpty)
        await empty.stop()
    }
}

/// A local TCP port with nothing listening on it (bound, then closed).
struct ClosedPort {
    let port: Int

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }
}
