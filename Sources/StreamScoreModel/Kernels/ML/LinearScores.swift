/// The shared core of LinearClassifier and LinearRegressor: validates the input matrix and
/// computes `X · coefficientsᵀ + intercepts` row by row in single precision.
enum LinearScores {
    /// Returns the row count and the `[rows, outputs]` raw scores.
    static func compute(_ inputs: [Value?], node: String, op: String, coefficients: [Float], intercepts: [Float]?,
                        featureCount: Int, outputs: Int) throws(ModelError) -> (rows: Int, scores: [Float]) {
        let x = try MLInput.tensor(inputs, 0, node: node, op: op)
        let (rows, columns) = try MLInput.matrixShape(x, node: node, op: op)
        guard columns == featureCount else {
            throw MLAttributes.runtimeError(node, op, "expected \(featureCount) features, got \(columns)")
        }
        let xs = try MLInput.floats(x, node: node, op: op)
        var scores = [Float](repeating: 0, count: rows * outputs)
        xs.withUnsafeBufferPointer { xb in
            coefficients.withUnsafeBufferPointer { wb in
                scores.withUnsafeMutableBufferPointer { out in
                    for r in 0..<rows {
                        let row = xb.baseAddress! + r * columns
                        for k in 0..<outputs {
                            let w = wb.baseAddress! + k * columns
                            var dot: Float = 0
                            for f in 0..<columns { dot += row[f] * w[f] }
                            out[r * outputs + k] = (intercepts?[k] ?? 0) + dot
                        }
                    }
                }
            }
        }
        return (rows, scores)
    }
}
