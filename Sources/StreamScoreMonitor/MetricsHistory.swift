import StreamScoreContract

/// The recent history of a metrics topic, in bounded memory whatever the record rate: per worker
/// at most one sample per second over the window, per model version one drift point per second,
/// the last few model events, and caps on how many workers and models are remembered.
public struct MetricsHistory: Sendable {
    /// The bounds, derived from a ``MetricsFeedConfiguration``.
    public struct Limits: Sendable {
        public var windowMs: Int64
        public var staleAfterMs: Int64
        public var dropAfterMs: Int64
        public var maxWorkers: Int
        public var maxModels: Int
        public var maxEvents: Int
        public var maxFeatures: Int
        public var maxErrorCodes = 32

        public init(_ configuration: MetricsFeedConfiguration) {
            windowMs = max(1000, configuration.window.milliseconds)
            staleAfterMs = max(1, configuration.staleAfter.milliseconds)
            dropAfterMs = max(staleAfterMs, configuration.dropAfter.milliseconds)
            maxWorkers = max(1, configuration.maxWorkers)
            maxModels = max(1, configuration.maxModels)
            maxEvents = max(0, configuration.maxEvents)
            maxFeatures = max(1, configuration.maxFeatures)
        }

        /// One sample per second of the window, plus slack for windows straddling its edges.
        var maxSamplesPerWorker: Int { Int(windowMs / 1000) + 2 }
    }

    struct DriftKey: Hashable, Sendable {
        var model: String
        var version: String
    }

    public let limits: Limits
    private var workers: [String: WorkerHistory] = [:]
    private var drift: [DriftKey: DriftHistory] = [:]
    /// Oldest first.
    private var events: [ModelEventRecord] = []

    public init(limits: Limits) {
        self.limits = limits
    }

    /// Takes in one record of the metrics topic.
    public mutating func ingest(_ record: MetricsTopicRecord) {
        switch record {
        case .metrics(let m):
            if workers[m.worker] != nil {
                workers[m.worker]!.add(m, limits: limits)
            } else {
                if workers.count >= limits.maxWorkers,
                   let quietest = workers.min(by: { $0.value.latest.windowEndMs < $1.value.latest.windowEndMs }) {
                    workers[quietest.key] = nil
                }
                workers[m.worker] = WorkerHistory(first: m, limits: limits)
            }
        case .drift(let d):
            let key = DriftKey(model: d.model, version: d.version)
            if drift[key] != nil {
                drift[key]!.add(d, limits: limits)
            } else {
                if drift.count >= limits.maxModels,
                   let quietest = drift.min(by: { $0.value.latest.windowEndMs < $1.value.latest.windowEndMs }) {
                    drift[quietest.key] = nil
                }
                drift[key] = DriftHistory(first: d, limits: limits)
            }
        case .modelEvent(let e):
            guard limits.maxEvents > 0 else { return }
            var index = events.endIndex
            while index > events.startIndex && events[index - 1].timeMs > e.timeMs { index -= 1 }
            events.insert(e, at: index)
            if events.count > limits.maxEvents { events.removeFirst(events.count - limits.maxEvents) }
        }
    }

    /// Forgets workers and model versions with nothing inside the window ending at `nowMs`.
    public mutating func prune(nowMs: Int64) {
        let oldest = nowMs - limits.windowMs
        workers = workers.filter { $0.value.latest.windowEndMs >= oldest }
        for id in workers.keys { workers[id]!.trim(before: oldest, limits: limits) }
        drift = drift.filter { $0.value.latest.windowEndMs >= oldest }
    }

    /// What is stored: workers, worker samples, drift series and their points, events.
    public var storedCounts: (workers: Int, samples: Int, driftSeries: Int, driftPoints: Int, events: Int) {
        (workers.count, workers.values.reduce(0) { $0 + $1.samples.count }, drift.count,
         drift.values.reduce(0) { $0 + $1.points.count }, events.count)
    }

    /// The views' picture at `nowMs` (the history is not changed; call ``prune(nowMs:)`` for that).
    public func snapshot(nowMs: Int64, topic: String, feed: FeedStatus) -> MonitorSnapshot {
        let oldest = nowMs - limits.windowMs
        let inWindow = workers.values.filter { $0.latest.windowEndMs >= oldest }
        return MonitorSnapshot(
            nowMs: nowMs, topic: topic, feed: feed, windowSeconds: Int(limits.windowMs / 1000),
            workers: workerStatuses(inWindow, nowMs: nowMs),
            series: FleetSeriesBuilder.build(inWindow.map(\.samples), from: oldest.floorDivided(by: 1000) + 1,
                                             through: nowMs.floorDivided(by: 1000)),
            drift: driftStatuses(nowMs: nowMs),
            events: events.reversed())
    }

    private func workerStatuses(_ histories: [WorkerHistory], nowMs: Int64) -> [WorkerStatus] {
        var statuses: [WorkerStatus] = []
        for history in histories {
            let r = history.latest
            let seconds = Double(max(1, r.windowEndMs - r.windowStartMs)) / 1000
            let ageMs = max(0, nowMs - r.windowEndMs)
            let intervalMs = max(0, r.windowEndMs - r.windowStartMs)
            guard ageMs <= max(limits.dropAfterMs, 10 * intervalMs) else { continue }
            let stale = ageMs > max(limits.staleAfterMs, 3 * intervalMs)
            statuses.append(WorkerStatus(
                id: r.worker, state: stale ? .stale : .live, lastSeenMs: r.windowEndMs,
                ageSeconds: Double(ageMs) / 1000, intervalSeconds: seconds,
                recordsPerSecond: Double(r.records) / seconds,
                predictionsPerSecond: Double(max(0, r.records - r.errors)) / seconds,
                rowsPerSecond: Double(r.rows) / seconds, dlqPerSecond: Double(r.errors) / seconds,
                dlqPerSecondByCode: r.errorsByCode.mapValues { Double($0) / seconds },
                meanBatchRows: r.meanBatchRows, endToEndMs: r.endToEndMs, queueMs: r.queueMs,
                inferenceMs: r.inferenceMs, inflightRows: r.inflightRows, consumerLag: r.consumerLag,
                consumerLagByPartition: r.consumerLagByPartition, models: r.models, routing: r.routing))
        }
        return statuses.sorted { ($0.state == .live ? 0 : 1, $0.id) < ($1.state == .live ? 0 : 1, $1.id) }
    }

    private func driftStatuses(nowMs: Int64) -> [ModelDrift] {
        let oldest = nowMs - limits.windowMs
        var out: [ModelDrift] = []
        for (key, history) in drift where history.latest.windowEndMs >= oldest {
            let latest = history.latest
            let features = latest.psi.map { feature, psi in
                FeatureDrift(feature: feature, psi: psi, drifted: latest.drifted[feature] ?? (psi > latest.threshold),
                             missingFraction: latest.missingFraction[feature])
            }.sorted { ($0.psi, $1.feature) > ($1.psi, $0.feature) }
            var series = DriftSeries()
            series.threshold = latest.threshold
            let points = history.points.filter { $0.second >= oldest.floorDivided(by: 1000) }
            series.t = points.map(\.second)
            let names = Set(points.flatMap { $0.psi.keys })
            for name in names { series.psi[name] = points.map { $0.psi[name] } }
            series.predictionPSI = points.map(\.predictionPSI)
            out.append(ModelDrift(model: key.model, version: key.version, latest: latest, features: features, series: series))
        }
        return out.sorted { ($0.isDrifting ? 0 : 1, $0.model, $0.version) < ($1.isDrifting ? 0 : 1, $1.model, $1.version) }
    }
}
