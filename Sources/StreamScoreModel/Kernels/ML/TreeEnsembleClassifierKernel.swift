/// `ai.onnx.ml.TreeEnsembleClassifier` (v1 and v3): input `X` [N, F] (or [F]) of float, double, int64
/// or int32; outputs `Y` [N] labels (int64 or string) and `Z` [N, classes] float scores.
///
/// onnxruntime conventions reproduced here:
/// - leaf weights are summed per class in tree order, in double for double inputs, float otherwise;
/// - more than two classes: `base_values` are added, the label is the first class with the highest
///   score among classes that received a score, unscored classes output 0, then the post transform;
/// - two classes with weights for a single class id (the "binary case", e.g. skl2onnx's class-1
///   probability stored under class id 0): the score `s` becomes `[1 − s, s]` when all weights are
///   non-negative (label 1 when `s > 0.5`; the post transform is not applied) or, with mixed-sign
///   weights, `[−s, s]` (`[logistic(−s), logistic(s)]` for LOGISTIC; label 1 when `s > 0`);
/// - two classes otherwise: the label is 1 when the class-1 score (class 0 if class 1 has none) is
///   positive, else 0 — as a raw index for integer labels, as onnxruntime does.
struct TreeEnsembleClassifierKernel: Kernel {
    let name: String
    let layout: TreeEnsembleLayout
    let labels: MLClassLabels
    let postTransform: MLPostTransform
    let baseValues: [Double]
    let binaryCase: Bool
    let weightsAllPositive: Bool

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        labels = try MLClassLabels(a, intsName: "classlabels_int64s")
        guard labels.count >= 2 else {
            throw a.invalid("a classifier needs at least two class labels, got \(labels.count)")
        }
        postTransform = try MLPostTransform(a)
        let definition = try TreeEnsembleDefinition(a, weightPrefix: "class_")
        baseValues = definition.baseValues
        binaryCase = labels.count == 2 && Set(definition.weightTargetIds).count == 1
        weightsAllPositive = !definition.weights.contains { $0 < 0 }
        layout = try TreeEnsembleLayout(definition, targetCount: labels.count, a)
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "TreeEnsembleClassifier")
        let (rows, columns) = try MLInput.matrixShape(x, node: name, op: "TreeEnsembleClassifier")
        guard columns >= layout.requiredFeatureCount else {
            throw MLAttributes.runtimeError(name, "TreeEnsembleClassifier",
                "the trees use feature \(layout.requiredFeatureCount - 1) but the input has \(columns) features")
        }
        let k = labels.count
        var scores = [Float](repeating: 0, count: rows * k)
        var labelIndex = [Int](repeating: 0, count: rows)
        var rawLabel = [Bool](repeating: false, count: rows)
        if rows > 0 {
            try scores.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<Float>) throws(ModelError) in
                let outBase = out.baseAddress!
                try labelIndex.withUnsafeMutableBufferPointer { (indexBuffer: inout UnsafeMutableBufferPointer<Int>) throws(ModelError) in
                    let indexBase = indexBuffer.baseAddress!
                    try rawLabel.withUnsafeMutableBufferPointer { (rawBuffer: inout UnsafeMutableBufferPointer<Bool>) throws(ModelError) in
                        let rawBase = rawBuffer.baseAddress!
                        try layout.withInputRows(x, node: name, op: "TreeEnsembleClassifier",
                            float: { (xs) throws(ModelError) in
                                try classify(numbers: layout.floatNumbers, x: xs, rows: rows, columns: columns,
                                             scoresOut: outBase, labelOut: indexBase, rawOut: rawBase)
                            },
                            double: { (xs) throws(ModelError) in
                                try classify(numbers: layout.doubleNumbers, x: xs, rows: rows, columns: columns,
                                             scoresOut: outBase, labelOut: indexBase, rawOut: rawBase)
                            })
                    }
                }
            }
        }
        return [
            .tensor(labels.tensor(indices: labelIndex, raw: rawLabel)),
            .tensor(Tensor(shape: [rows, k], float32: scores)),
        ]
    }

    private func classify<T: BinaryFloatingPoint>(
        numbers: TreeEnsembleNumbers<T>, x: UnsafePointer<T>, rows: Int, columns: Int,
        scoresOut: UnsafeMutablePointer<Float>, labelOut: UnsafeMutablePointer<Int>, rawOut: UnsafeMutablePointer<Bool>
    ) throws(ModelError) {
        let k = labels.count
        let base = baseValues.map { T($0) }
        try layout.accumulate(numbers: numbers, x: x, rowCount: rows, columns: columns, targetCount: k,
                              accumulation: .sum) { first, count, scores, hasScore in
            for r in 0..<count {
                let row = first + r
                let (label, raw) = finalize(scores: scores + r * k, hasScore: hasScore + r * k, base: base,
                                            out: scoresOut + row * k)
                labelOut[row] = label
                rawOut[row] = raw
            }
        }
    }

    /// Turns one row of accumulated class scores into output scores and a label (index, raw?).
    @inline(__always)
    private func finalize<T: BinaryFloatingPoint>(
        scores s: UnsafeMutablePointer<T>, hasScore has: UnsafeMutablePointer<UInt8>, base: [T],
        out: UnsafeMutablePointer<Float>
    ) -> (Int, Bool) {
        let k = labels.count
        if k > 2 {
            for j in 0..<Swift.min(base.count, k) {
                if has[j] == 0 {
                    has[j] = 1
                    s[j] = base[j]
                } else {
                    s[j] += base[j]
                }
            }
            var best = -1
            var bestScore: T = 0
            for j in 0..<k where has[j] != 0 && (best == -1 || s[j] > bestScore) {
                best = j
                bestScore = s[j]
            }
            for j in 0..<k { out[j] = has[j] != 0 ? Float(s[j]) : 0 }
            postTransform.applyToRow(UnsafeMutableBufferPointer(start: out, count: k))
            return (Swift.max(best, 0), false)
        }

        // Two classes.
        var secondClass = -1
        var keptScores = 2
        if base.count == 2 {
            if has[1] != 0 {
                // onnxruntime assumes base_values[0] == base_values[1] here.
                s[1] = base[1] + s[0]
                s[0] = -s[1]
            } else {
                s[1] += base[1]
                s[0] += base[0]
            }
        } else if base.count == 1 {
            s[0] += base[0]
            if has[1] == 0 { keptScores = 1 }
        } else if base.isEmpty {
            secondClass = 3
            if has[1] == 0 { keptScores = 1 }
        }
        let positive: T = keptScores == 2 && has[1] != 0 ? s[1] : (has[0] != 0 ? s[0] : 0)
        let label: (Int, Bool)
        if binaryCase {
            if weightsAllPositive {
                secondClass = positive > 0.5 ? 0 : 1
                label = (positive > 0.5 ? 1 : 0, false)
            } else {
                secondClass = positive > 0 ? 2 : 3
                label = (positive > 0 ? 1 : 0, false)
            }
        } else {
            label = (positive > 0 ? 1 : 0, true)
        }
        if keptScores == 2 {
            out[0] = has[0] != 0 ? Float(s[0]) : 0
            out[1] = has[1] != 0 ? Float(s[1]) : 0
            postTransform.applyToRow(UnsafeMutableBufferPointer(start: out, count: 2))
            return label
        }
        let v: T = has[0] != 0 ? s[0] : 0
        if postTransform == .probit {
            out[0] = MLMath.probit(Float(v))
            out[1] = 0
            return label
        }
        switch secondClass {
        case 0, 1:
            out[0] = Float(1 - v)
            out[1] = Float(v)
        case 2, 3:
            if postTransform == .logistic {
                out[0] = MLMath.logistic(Float(-v))
                out[1] = MLMath.logistic(Float(v))
            } else {
                out[0] = Float(-v)
                out[1] = Float(v)
            }
        default:
            out[0] = Float(v)
            out[1] = 0
        }
        return label
    }
}
