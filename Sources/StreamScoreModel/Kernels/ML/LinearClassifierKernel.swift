/// `ai.onnx.ml.LinearClassifier`: scores = X · coefficientsᵀ + intercepts (single precision), input
/// float, double, int64 or int32 [N, F] (or [F]); outputs labels [N] and scores [N, E].
///
/// onnxruntime conventions reproduced here: the class count is the number of intercepts; the label
/// is the first class with the highest raw score; with a single score row the label is
/// `labels[1]` when the score is positive (`labels[0]` otherwise, or "1"/"0" / 1/0 without exactly two
/// labels) and, with two labels, the scores become `[1 − s, s]` without applying the post transform
/// (PROBIT is applied to the packed single scores instead, as onnxruntime does). `multi_class` is ignored.
struct LinearClassifierKernel: Kernel {
    let name: String
    let coefficients: [Float]
    let intercepts: [Float]
    let classCount: Int
    let featureCount: Int
    let labels: MLClassLabels
    let postTransform: MLPostTransform

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        coefficients = try a.floats("coefficients")
        guard !coefficients.isEmpty else { throw a.invalid("coefficients are required") }
        labels = try MLClassLabels(a, intsName: "classlabels_ints")
        var intercepts = try a.floats("intercepts")
        if intercepts.isEmpty {
            // Without intercepts infer one score row per label, or a single row for two labels
            // when the coefficients cannot hold two rows.
            let rows = labels.count == 2 && coefficients.count % 2 != 0 ? 1 : labels.count
            intercepts = [Float](repeating: 0, count: rows)
        }
        self.intercepts = intercepts
        classCount = intercepts.count
        guard coefficients.count % classCount == 0 else {
            throw a.invalid("\(coefficients.count) coefficients do not split into \(classCount) rows (one per intercept)")
        }
        featureCount = coefficients.count / classCount
        if classCount > 1 && labels.count < classCount {
            throw a.invalid("\(classCount) score rows but only \(labels.count) class labels")
        }
        postTransform = try MLPostTransform(a)
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let (rows, raw0) = try LinearScores.compute(inputs, node: name, op: "LinearClassifier", coefficients: coefficients,
                                                    intercepts: intercepts, featureCount: featureCount, outputs: classCount)
        var raw = raw0
        let c = classCount
        if c == 1 {
            return singleScore(raw, rows: rows)
        }
        var labelIndex = [Int](repeating: 0, count: rows)
        raw.withUnsafeMutableBufferPointer { scores in
            for r in 0..<rows {
                let row = UnsafeMutableBufferPointer(rebasing: scores[(r * c)..<(r * c + c)])
                var best = 0
                for k in 1..<c where row[k] > row[best] { best = k }
                labelIndex[r] = best
                postTransform.applyToRow(row)
            }
        }
        return [.tensor(labels.tensor(indices: labelIndex)), .tensor(Tensor(shape: [rows, c], float32: raw))]
    }

    /// One score per row (binary linear model).
    private func singleScore(_ raw: [Float], rows: Int) -> [Value] {
        let twoLabels = labels.count == 2
        let label: Tensor
        switch labels {
        case .int64(let l):
            let positive: Int64 = twoLabels ? l[1] : 1
            let negative: Int64 = twoLabels ? l[0] : 0
            label = Tensor(shape: [rows], int64: raw.map { $0 > 0 ? positive : negative })
        case .string(let l):
            let positive = twoLabels ? l[1] : "1"
            let negative = twoLabels ? l[0] : "0"
            label = Tensor(shape: [rows], string: raw.map { $0 > 0 ? positive : negative })
        }
        if !twoLabels {
            let scores = postTransform == .probit ? raw.map(MLMath.probit) : raw
            return [.tensor(label), .tensor(Tensor(shape: [rows, 1], float32: scores))]
        }
        var scores = [Float](repeating: 0, count: rows * 2)
        if postTransform == .probit {
            for r in 0..<rows { scores[r] = MLMath.probit(raw[r]) }
        } else {
            for r in 0..<rows {
                scores[2 * r] = 1 - raw[r]
                scores[2 * r + 1] = raw[r]
            }
        }
        return [.tensor(label), .tensor(Tensor(shape: [rows, 2], float32: scores))]
    }
}
