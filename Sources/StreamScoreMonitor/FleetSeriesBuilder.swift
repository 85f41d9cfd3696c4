/// Turns per-worker samples into fleet totals per second.
enum FleetSeriesBuilder {
    /// One second's figures, summed over the workers that cover it.
    private struct Second {
        var workers = 0
        var recordsPerSecond = 0.0
        var predictionsPerSecond = 0.0
        var rowsPerSecond = 0.0
        var batchesPerSecond = 0.0
        var dlqPerSecond = 0.0
        var dlqByCode: [String: Double] = [:]
        var worstEndToEnd: (p50: Double, p99: Double, p999: Double)?
        var consumerLag: Int64 = 0
        var inflightRows = 0

        mutating func add(_ s: WorkerSample) {
            let seconds = s.seconds
            workers += 1
            recordsPerSecond += Double(s.records) / seconds
            predictionsPerSecond += Double(max(0, s.records - s.errors)) / seconds
            rowsPerSecond += Double(s.rows) / seconds
            batchesPerSecond += Double(s.batches) / seconds
            dlqPerSecond += Double(s.errors) / seconds
            for (code, count) in s.errorsByCode { dlqByCode[code, default: 0] += Double(count) / seconds }
            if s.records > 0 {
                let e = s.endToEndMs
                let w = worstEndToEnd ?? (0, 0, 0)
                worstEndToEnd = (max(w.p50, e.p50), max(w.p99, e.p99), max(w.p999, e.p999))
            }
            consumerLag += s.consumerLag
            inflightRows += s.inflightRows
        }
    }

    /// Fleet series over the seconds `from...through` that have data, with `null` for gaps inside.
    static func build(_ workers: [[WorkerSample]], from: Int64, through: Int64) -> FleetSeries {
        var series = FleetSeries()
        guard from <= through else { return series }
        var seconds: [Int64: Second] = [:]
        for samples in workers {
            // A worker's samples rarely share a second, but if they do they count once, merged.
            var own: [Int64: WorkerSample] = [:]
            for sample in samples {
                let covered = sample.coveredSeconds
                guard covered.upperBound >= from, covered.lowerBound <= through else { continue }
                for second in max(from, covered.lowerBound)...min(through, covered.upperBound) {
                    if own[second] != nil { own[second]!.merge(sample, maxErrorCodes: .max) } else { own[second] = sample }
                }
            }
            for (second, sample) in own { seconds[second, default: Second()].add(sample) }
        }
        guard let first = seconds.keys.min(), let last = seconds.keys.max() else { return series }
        func r(_ v: Double?) -> Double? { v.map { ($0 * 1000).rounded() / 1000 } }
        let codes = Set(seconds.values.flatMap { $0.dlqByCode.keys })
        for code in codes { series.dlqPerSecondByCode[code] = [] }
        for t in first...last {
            series.t.append(t)
            let s = seconds[t]
            series.workers.append(s?.workers ?? 0)
            series.recordsPerSecond.append(r(s?.recordsPerSecond))
            series.predictionsPerSecond.append(r(s?.predictionsPerSecond))
            series.rowsPerSecond.append(r(s?.rowsPerSecond))
            series.dlqPerSecond.append(r(s?.dlqPerSecond))
            for code in codes { series.dlqPerSecondByCode[code]!.append(r(s.map { $0.dlqByCode[code] ?? 0 })) }
            series.meanBatchRows.append(r(s.flatMap { $0.batchesPerSecond > 0 ? $0.rowsPerSecond / $0.batchesPerSecond : nil }))
            series.endToEndP50Ms.append(s?.worstEndToEnd?.p50)
            series.endToEndP99Ms.append(s?.worstEndToEnd?.p99)
            series.endToEndP999Ms.append(s?.worstEndToEnd?.p999)
            series.consumerLag.append(s?.consumerLag)
            series.inflightRows.append(s?.inflightRows)
        }
        return series
    }
}
