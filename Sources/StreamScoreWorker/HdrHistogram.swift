import Histogram

/// HdrHistogram of microseconds (hdrhistogram-swift), named apart from Prometheus' histogram type.
typealias LatencyHistogram = Histogram<UInt64>

extension LatencyHistogram {
    /// A histogram tracking up to `highest` microseconds with three significant digits.
    static func microseconds(upTo highest: UInt64) -> LatencyHistogram {
        Histogram<UInt64>(highestTrackableValue: highest, numberOfSignificantValueDigits: .three)
    }
}
