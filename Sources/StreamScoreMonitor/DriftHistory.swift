import StreamScoreContract

/// One drift window's PSI values, merged per second across workers (the highest PSI wins).
struct DriftPoint: Sendable {
    var second: Int64
    var psi: [String: Double]
    var predictionPSI: Double?
}

/// The drift history of one model version: its latest record and recent PSI points.
struct DriftHistory: Sendable {
    private(set) var latest: DriftRecord
    private(set) var points: [DriftPoint] = []

    init(first: DriftRecord, limits: MetricsHistory.Limits) {
        latest = first
        add(first, limits: limits)
    }

    /// Adds a record from any worker.
    mutating func add(_ record: DriftRecord, limits: MetricsHistory.Limits) {
        if record.windowEndMs >= latest.windowEndMs { latest = record }
        let second = record.windowEndMs.floorDivided(by: 1000)
        let point = DriftPoint(second: second, psi: record.psi.largest(limits.maxFeatures), predictionPSI: record.predictionPSI)
        // Workers' windows arrive interleaved: merge into the same second, or insert in order.
        var index = points.endIndex
        while index > points.startIndex && points[index - 1].second > second { index -= 1 }
        if index > points.startIndex && points[index - 1].second == second {
            var merged = points[index - 1]
            for (feature, psi) in point.psi where merged.psi[feature] != nil || merged.psi.count < limits.maxFeatures {
                merged.psi[feature] = max(merged.psi[feature] ?? psi, psi)
            }
            if let p = point.predictionPSI { merged.predictionPSI = max(merged.predictionPSI ?? p, p) }
            points[index - 1] = merged
        } else {
            points.insert(point, at: index)
        }
        let oldest = latest.windowEndMs.floorDivided(by: 1000) - limits.windowMs / 1000
        let stale = points.prefix { $0.second < oldest }.count
        let excess = max(0, points.count - stale - limits.maxSamplesPerWorker)
        if stale + excess > 0 { points.removeFirst(stale + excess) }
    }
}
