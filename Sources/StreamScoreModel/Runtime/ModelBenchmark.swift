import Foundation

/// Single-threaded scoring throughput measurement, used by `streamscore bench model`.
public enum ModelBenchmark {
    /// One measurement at one batch size.
    public struct Result: Sendable {
        public var batch: Int
        public var calls: Int
        public var seconds: Double
        public var rowsPerSecond: Double { seconds > 0 ? Double(calls * batch) / seconds : 0 }
        public var microsecondsPerCall: Double { calls > 0 ? seconds * 1e6 / Double(calls) : 0 }
    }

    /// A deterministic batch of `rows` random rows for `model`. Numeric features are uniform over
    /// the card baseline's histogram range when present, else standard normal; string features
    /// draw from the baseline's categories (weighted), else from "a", "b", "c".
    public static func randomBatch(for model: LoadedModel, rows: Int, seed: UInt64 = 42) -> FeatureBatch {
        var random = SplitMix64(seed: seed)
        let names = model.card.featureNames
        let stringColumns = model.stringFeatureColumns
        var numbers = [Float](repeating: 0, count: rows * names.count)
        var strings: [Int: [String]] = [:]
        for (c, name) in names.enumerated() {
            let baseline = model.card.baseline?.features[name]
            if stringColumns.contains(c) {
                let categories = baseline?.categories.map { $0.sorted { $0.key < $1.key } } ?? []
                let choices = categories.isEmpty ? [("a", 1.0), ("b", 1.0), ("c", 1.0)] : categories.map { ($0.key, $0.value) }
                let total = choices.reduce(0) { $0 + $1.1 }
                strings[c] = (0..<rows).map { _ in
                    var pick = random.nextUnit() * total
                    for (category, weight) in choices {
                        pick -= weight
                        if pick < 0 { return category }
                    }
                    return choices[choices.count - 1].0
                }
                continue
            }
            let edges = baseline?.edges ?? []
            for r in 0..<rows {
                let value: Double
                if let low = edges.first, let high = edges.last, high > low {
                    value = low + random.nextUnit() * (high - low)
                } else {
                    value = random.nextNormal()
                }
                numbers[r * names.count + c] = Float(value)
            }
        }
        return FeatureBatch(rowCount: rows, featureCount: names.count, numbers: numbers, strings: strings)
    }

    /// Scores `batch` repeatedly on the calling thread: `warmupCalls` untimed calls, then calls
    /// until `seconds` have passed (at least one).
    public static func measure(_ model: LoadedModel, batch: FeatureBatch, seconds: Double,
                               warmupCalls: Int = 3) throws(ModelError) -> Result {
        for _ in 0..<warmupCalls { _ = try model.score(batch) }
        let clock = ContinuousClock()
        let start = clock.now
        let budget = Duration.nanoseconds(Int64(seconds * 1e9))
        var calls = 0
        var elapsed = Duration.zero
        repeat {
            // Check the clock every few calls so tiny batches are not dominated by it.
            for _ in 0..<8 { _ = try model.score(batch) }
            calls += 8
            elapsed = clock.now - start
        } while elapsed < budget
        let components = elapsed.components
        return Result(batch: batch.rowCount, calls: calls,
                      seconds: Double(components.seconds) + Double(components.attoseconds) * 1e-18)
    }
}

/// A small, fast, seedable generator (SplitMix64).
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Standard normal (Box–Muller).
    mutating func nextNormal() -> Double {
        let u = max(nextUnit(), 1e-300)
        let v = nextUnit()
        return (-2 * log(u)).squareRoot() * cos(2 * Double.pi * v)
    }
}
