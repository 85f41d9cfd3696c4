/// Checks a freshly loaded model against the example rows of its card before it may serve.
extension LoadedModel {
    /// Scores the card's `samples` in one batch and compares them with their expected outputs:
    /// labels exactly, scores within `tolerance` (relative, with the same absolute floor).
    /// A card without samples passes if the model scores one all-missing row.
    /// - Returns: the number of sample rows checked.
    /// - Throws: `ModelError.validation` naming the first mismatch, or the runtime's error.
    @discardableResult
    public func validateSamples(tolerance: Double = 1e-5) throws(ModelError) -> Int {
        let featureCount = card.featureNames.count
        let samples = card.samples ?? []
        let rows = samples.isEmpty
            ? [[ModelCard.FeatureValue](repeating: .null, count: featureCount)]
            : samples.map(\.features)
        var numbers: [Float] = []
        var strings: [Int: [String]] = [:]
        for column in stringFeatureColumns { strings[column] = [] }
        for (r, row) in rows.enumerated() {
            guard row.count == featureCount else {
                throw .validation("sample \(r) has \(row.count) features; the card lists \(featureCount)")
            }
            for (c, value) in row.enumerated() {
                let isString = stringFeatureColumns.contains(c)
                switch value {
                case .number(let d):
                    numbers.append(Float(d))
                    if isString { strings[c]!.append(String(d)) }
                case .string(let s):
                    numbers.append(0)
                    if isString { strings[c]!.append(s) } else {
                        throw .validation("sample \(r) feature \(c) is the string \"\(s)\" but takes a number")
                    }
                case .null:
                    numbers.append(.nan)
                    if isString { strings[c]!.append("") }
                }
            }
        }
        let scored = try score(FeatureBatch(rowCount: rows.count, featureCount: featureCount, numbers: numbers,
                                            strings: strings))
        guard scored.rowCount == rows.count else {
            throw .validation("the model returned \(scored.rowCount) rows for \(rows.count) sample rows")
        }
        for (r, sample) in samples.enumerated() {
            if let expected = sample.label {
                let actual: String? = switch scored.labels {
                case .int64(let labels): String(labels[r])
                case .string(let labels): labels[r]
                case .none: nil
                }
                let wanted: [String] = switch expected {
                case .int(let v): [String(v)] + (card.classes.flatMap { Int(v) < $0.count && v >= 0 ? [$0[Int(v)]] : nil } ?? [])
                case .string(let s): [s] + (card.classes?.firstIndex(of: s).map { [String($0)] } ?? [])
                }
                guard let actual, wanted.contains(actual) else {
                    throw .validation("sample \(r): expected label \(expected), the model predicts \(actual ?? "no label")")
                }
            }
            if let expected = sample.scores {
                guard expected.count == scored.scoreWidth else {
                    throw .validation("sample \(r): expected \(expected.count) scores, the model gives \(scored.scoreWidth)")
                }
                for (c, want) in expected.enumerated() {
                    let got = Double(scored.scores[r * scored.scoreWidth + c])
                    if abs(got - want) > tolerance * max(1, abs(want)) {
                        throw .validation("sample \(r): score \(c) is \(got), expected \(want) (tolerance \(tolerance))")
                    }
                }
            }
        }
        return samples.count
    }
}
