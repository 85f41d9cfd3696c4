import StreamScoreContract
import StreamScoreModel

/// Compares the features a model scores with its training baseline (the card's histograms).
///
/// Rows are binned with the baseline's edges (`searchsorted(edges, x, side: right) − 1`, clamped
/// to the outer bins, as Models/exportlib.py binned the training data); missing values have their
/// own bin, and string features count per category. When a window closes (`windowRows` rows, or
/// `windowDuration` once it has rows) each feature's PSI against the baseline is computed, and the
/// predicted-class distribution against the training one.
///
/// Each batch is binned without a lock, then merged under one lock: the cost per row is a table
/// lookup per feature (``DriftBinGrid``), or a search of the edges near one.
final class DriftMonitor: Sendable {
    struct Settings: Sendable {
        var windowRows: Int
        var windowDuration: Duration?
        var threshold: Double
        /// Floor for bin fractions, so an empty bin has a finite PSI term.
        var epsilon = 1e-4
    }

    /// A monitor with the worker's drift settings.
    convenience init(configuration: WorkerConfiguration) {
        self.init(settings: Settings(windowRows: configuration.driftWindowRows,
                                     windowDuration: configuration.driftWindowDuration,
                                     threshold: configuration.driftPSIThreshold))
    }

    let settings: Settings
    /// By "model/version".
    private let windows = Locked<[String: Window]>([:])

    init(settings: Settings) {
        self.settings = settings
    }

    /// One model version's binning plan, from its card.
    struct Plan: Sendable {
        struct Feature: Sendable {
            var name: String
            var column: Int
            /// Bin edges rounded to Float, like the features: a training value that sits on an
            /// edge (quantile edges often do) lands in the same bin as its Float32 copy.
            let edges: [Float]
            /// Bins values in a table lookup; `nil` when the edges make no grid.
            let grid: DriftBinGrid?
            /// Baseline fraction per bin, then the missing bin; or per category, then "other", then missing.
            var expected: [Double]
            var categories: [String: Int]?

            init(name: String, column: Int, edges: [Float], expected: [Double], categories: [String: Int]?) {
                self.name = name
                self.column = column
                self.edges = edges
                self.grid = DriftBinGrid(edges: edges)
                self.expected = expected
                self.categories = categories
            }
        }
        var features: [Feature]
        var classes: [String]?
        var baselineClasses: [String: Double]?
    }

    private struct Window {
        /// The model the plan was made for (a reloaded version gets a new plan).
        var source: ServedModel
        var plan: Plan
        var model: String
        var version: String
        var startMs: Int64
        var started: ContinuousClock.Instant
        var rows = 0
        var counts: [[Int]]
        var predicted: [String: Int] = [:]
    }

    /// Adds a scored batch; returns the drift records of windows that closed.
    func observe(model: ServedModel, batch: FeatureBatch, scored: ScoreBatch, nowMs: Int64, worker: String) -> [DriftRecord] {
        guard settings.windowRows > 0, batch.rowCount > 0, let plan = model.driftPlan else { return [] }
        let key = "\(model.name)/\(model.version)"
        // Bin the batch without holding the lock.
        var counts = plan.features.map { [Int](repeating: 0, count: $0.expected.count) }
        for (f, feature) in plan.features.enumerated() {
            if let categories = feature.categories {
                let values = batch.strings[feature.column] ?? []
                let other = categories.count
                for value in values {
                    counts[f][value.isEmpty ? other + 1 : (categories[value] ?? other)] += 1
                }
            } else {
                let missingBin = feature.expected.count - 1
                let width = batch.featureCount
                batch.numbers.withUnsafeBufferPointer { numbers in
                    feature.edges.withUnsafeBufferPointer { edges in
                        counts[f].withUnsafeMutableBufferPointer { bins in
                            for r in 0..<batch.rowCount {
                                let x = numbers[r * width + feature.column]
                                bins[x.isNaN ? missingBin : feature.grid?.bin(x) ?? Self.bin(x, edges: edges)] += 1
                            }
                        }
                    }
                }
            }
        }
        var predicted: [String: Int] = [:]
        if case .int64(let labels) = scored.labels {
            // Count by class index first: one dictionary update per class, not per row.
            let classes = plan.classes ?? []
            var byClass = [Int](repeating: 0, count: classes.count)
            var unnamed: [Int64: Int] = [:]
            for l in labels {
                if l >= 0 && l < byClass.count { byClass[Int(l)] += 1 } else { unnamed[l, default: 0] += 1 }
            }
            for (c, n) in byClass.enumerated() where n > 0 { predicted[classes[c], default: 0] += n }
            for (l, n) in unnamed { predicted[String(l), default: 0] += n }
        } else if case .string(let labels) = scored.labels {
            for l in labels { predicted[l, default: 0] += 1 }
        }
        let now = ContinuousClock.now
        let closed: Window? = windows.withLock { all in
            var w = all[key].flatMap { $0.source === model ? $0 : nil } ?? Window(source: model, plan: plan, model: model.name, version: model.version, startMs: nowMs, started: now,
                                       counts: plan.features.map { [Int](repeating: 0, count: $0.expected.count) })
            w.rows += batch.rowCount
            for f in counts.indices {
                for b in counts[f].indices { w.counts[f][b] += counts[f][b] }
            }
            for (name, n) in predicted { w.predicted[name, default: 0] += n }
            let full = w.rows >= settings.windowRows
                || settings.windowDuration.map { now - w.started >= $0 } == true
            if full {
                all[key] = Window(source: model, plan: plan, model: model.name, version: model.version, startMs: nowMs, started: now,
                                  counts: plan.features.map { [Int](repeating: 0, count: $0.expected.count) })
                return w
            }
            all[key] = w
            return nil
        }
        guard let closed else { return [] }
        return [record(for: closed, endMs: nowMs, worker: worker)]
    }

    private func record(for w: Window, endMs: Int64, worker: String) -> DriftRecord {
        var psi: [String: Double] = [:]
        var drifted: [String: Bool] = [:]
        var missing: [String: Double] = [:]
        let rows = Double(max(1, w.rows))
        for (f, feature) in w.plan.features.enumerated() {
            let actual = w.counts[f].map { Double($0) / rows }
            let value = Self.psi(actual: actual, expected: feature.expected, epsilon: settings.epsilon)
            psi[feature.name] = value
            drifted[feature.name] = value > settings.threshold
            missing[feature.name] = actual.last ?? 0
        }
        var distribution: [String: Double]?
        var predictionPSI: Double?
        if !w.predicted.isEmpty {
            let total = Double(w.predicted.values.reduce(0, +))
            let observed = w.predicted.mapValues { Double($0) / total }
            distribution = observed
            if let baseline = w.plan.baselineClasses {
                let names = Set(baseline.keys).union(observed.keys).sorted()
                predictionPSI = Self.psi(actual: names.map { observed[$0] ?? 0 }, expected: names.map { baseline[$0] ?? 0 },
                                         epsilon: settings.epsilon)
            }
        }
        return DriftRecord(worker: worker, model: w.model, version: w.version, windowStartMs: w.startMs, windowEndMs: endMs,
                           rows: w.rows, threshold: settings.threshold, psi: psi, drifted: drifted, missingFraction: missing,
                           predictionDistribution: distribution, baselinePredictionDistribution: w.plan.baselineClasses,
                           predictionPSI: predictionPSI)
    }

    /// Σ (a − e) · ln(a / e), with both fractions floored at `epsilon`.
    static func psi(actual: [Double], expected: [Double], epsilon: Double) -> Double {
        var sum = 0.0
        for (a, e) in zip(actual, expected) {
            let a = max(a, epsilon)
            let e = max(e, epsilon)
            sum += (a - e) * log(a / e)
        }
        return sum
    }

    /// The histogram bin of `x`: the number of edges ≤ x, minus one, clamped to the bins.
    static func bin(_ x: Float, edges: [Float]) -> Int {
        edges.withUnsafeBufferPointer { bin(x, edges: $0) }
    }

    @inline(__always)
    static func bin(_ x: Float, edges: UnsafeBufferPointer<Float>) -> Int {
        var atOrBelow = 0
        if edges.count <= 32 {
            // A baseline has a few dozen edges at most: counting them all is branch-free and
            // faster than a binary search.
            for e in edges { atOrBelow &+= e <= x ? 1 : 0 }
        } else {
            var high = edges.count
            while atOrBelow < high {
                let mid = (atOrBelow + high) / 2
                if edges[mid] <= x { atOrBelow = mid + 1 } else { high = mid }
            }
        }
        return min(max(atOrBelow - 1, 0), max(edges.count - 2, 0))
    }

    /// The plan for a model, or `nil` when its card has no usable baseline.
    static func plan(for card: ModelCard, stringColumns: Set<Int>) -> Plan? {
        guard let baseline = card.baseline else { return nil }
        var features: [Plan.Feature] = []
        for (column, name) in card.featureNames.enumerated() {
            guard let h = baseline.features[name] else { continue }
            let missing = h.missingFraction ?? 0
            if let categories = h.categories, stringColumns.contains(column) {
                let names = categories.keys.sorted()
                let expected = names.map { categories[$0]! * (1 - missing) } + [0, missing]
                features.append(.init(name: name, column: column, edges: [], expected: expected,
                                      categories: Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })))
            } else if h.edges.count >= 2, h.fractions.count == h.edges.count - 1 {
                features.append(.init(name: name, column: column, edges: h.edges.map { Float($0) },
                                      expected: h.fractions.map { $0 * (1 - missing) } + [missing], categories: nil))
            }
        }
        guard !features.isEmpty else { return nil }
        var baselineClasses: [String: Double]?
        if case .classes(let fractions) = baseline.predictionDistribution { baselineClasses = fractions }
        return Plan(features: features, classes: card.classes, baselineClasses: baselineClasses)
    }
}

#if canImport(Glibc)
import Glibc
#endif
