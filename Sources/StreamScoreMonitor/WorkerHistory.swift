import StreamScoreContract

/// One worker's figures over one metrics window. Windows ending in the same second are merged,
/// so a worker keeps at most one sample per second whatever its metrics interval.
struct WorkerSample: Sendable {
    var startMs: Int64
    var endMs: Int64
    var records: Int
    var rows: Int
    var batches: Int
    var errors: Int
    var errorsByCode: [String: Int]
    var endToEndMs: LatencySummary
    var consumerLag: Int64
    var inflightRows: Int

    init(_ record: MetricsRecord, maxErrorCodes: Int) {
        startMs = min(record.windowStartMs, record.windowEndMs)
        endMs = record.windowEndMs
        records = max(0, record.records)
        rows = max(0, record.rows)
        batches = max(0, record.batches)
        errors = max(0, record.errors)
        errorsByCode = record.errorsByCode.largest(maxErrorCodes)
        endToEndMs = record.endToEndMs
        consumerLag = record.consumerLag
        inflightRows = record.inflightRows
    }

    /// The window length in seconds (at least a millisecond).
    var seconds: Double { Double(max(1, endMs - startMs)) / 1000 }

    /// The epoch seconds this window stands for: each second that starts inside it, or else the
    /// second it ends in. Consecutive windows thus cover consecutive seconds with no gap.
    var coveredSeconds: ClosedRange<Int64> {
        let last = endMs.floorDivided(by: 1000)
        return min(startMs.floorDivided(by: 1000) + 1, last)...last
    }

    /// Adds a later window: counts add up, percentiles keep the worst, gauges take the later value.
    mutating func merge(_ later: WorkerSample, maxErrorCodes: Int) {
        startMs = min(startMs, later.startMs)
        endMs = max(endMs, later.endMs)
        records += later.records
        rows += later.rows
        batches += later.batches
        errors += later.errors
        for (code, count) in later.errorsByCode where errorsByCode[code] != nil || errorsByCode.count < maxErrorCodes {
            errorsByCode[code, default: 0] += count
        }
        endToEndMs = endToEndMs.worst(later.endToEndMs)
        consumerLag = later.consumerLag
        inflightRows = later.inflightRows
    }
}

/// The recent samples of one worker and its latest record.
struct WorkerHistory: Sendable {
    private(set) var latest: MetricsRecord
    private(set) var samples: [WorkerSample] = []

    init(first: MetricsRecord, limits: MetricsHistory.Limits) {
        latest = first
        samples = [WorkerSample(first, maxErrorCodes: limits.maxErrorCodes)]
    }

    /// Adds a record. Repeats and reordered records are ignored; a record far older than the
    /// latest (a clock set back) starts the history again.
    mutating func add(_ record: MetricsRecord, limits: MetricsHistory.Limits) {
        if record.windowEndMs <= latest.windowEndMs {
            guard record.windowEndMs < latest.windowEndMs - 60_000 else { return }
            samples = []
        }
        latest = record
        let sample = WorkerSample(record, maxErrorCodes: limits.maxErrorCodes)
        if let last = samples.last, last.endMs.floorDivided(by: 1000) == sample.endMs.floorDivided(by: 1000) {
            samples[samples.count - 1].merge(sample, maxErrorCodes: limits.maxErrorCodes)
        } else {
            samples.append(sample)
        }
        trim(before: record.windowEndMs - limits.windowMs, limits: limits)
    }

    /// Drops samples that ended before `oldestMs`, and the oldest beyond the sample bound.
    mutating func trim(before oldestMs: Int64, limits: MetricsHistory.Limits) {
        let stale = samples.prefix { $0.endMs < oldestMs }.count
        let excess = max(0, samples.count - stale - limits.maxSamplesPerWorker)
        if stale + excess > 0 { samples.removeFirst(stale + excess) }
    }
}

extension LatencySummary {
    /// Each percentile's larger value: the worse of two summaries.
    func worst(_ other: LatencySummary) -> LatencySummary {
        LatencySummary(p50: Swift.max(p50, other.p50), p90: Swift.max(p90, other.p90), p99: Swift.max(p99, other.p99),
                       p999: Swift.max(p999, other.p999), max: Swift.max(max, other.max))
    }
}

extension Int64 {
    /// Division rounding towards minus infinity.
    func floorDivided(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
