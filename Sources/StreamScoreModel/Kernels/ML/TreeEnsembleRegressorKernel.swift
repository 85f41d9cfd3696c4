/// `ai.onnx.ml.TreeEnsembleRegressor` (v1 and v3): input `X` [N, F] (or [F]) of float, double, int64
/// or int32; output `Y` [N, n_targets] float.
///
/// onnxruntime conventions reproduced here: scores accumulate in the input's precision (double for
/// double inputs, float otherwise) in tree order; with a single target only PROBIT is applied and
/// `base_values` counts only when it has exactly one value; with several targets `base_values` is used
/// only when it has one value per target, and a target no leaf contributed to outputs 0.
struct TreeEnsembleRegressorKernel: Kernel {
    let name: String
    let layout: TreeEnsembleLayout
    let targetCount: Int
    let aggregate: TreeAggregateFunction
    let postTransform: MLPostTransform
    let baseValues: [Double]

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        let targets = try a.int("n_targets", default: 0)
        guard targets > 0, targets < Int64(Int32.max) else {
            throw a.invalid("n_targets must be positive, got \(targets)")
        }
        targetCount = Int(targets)
        aggregate = try TreeAggregateFunction(a)
        postTransform = try MLPostTransform(a)
        let definition = try TreeEnsembleDefinition(a, weightPrefix: "target_")
        baseValues = definition.baseValues
        layout = try TreeEnsembleLayout(definition, targetCount: targetCount, a)
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "TreeEnsembleRegressor")
        let (rows, columns) = try MLInput.matrixShape(x, node: name, op: "TreeEnsembleRegressor")
        guard columns >= layout.requiredFeatureCount else {
            throw MLAttributes.runtimeError(name, "TreeEnsembleRegressor",
                "the trees use feature \(layout.requiredFeatureCount - 1) but the input has \(columns) features")
        }
        var output = [Float](repeating: 0, count: rows * targetCount)
        if rows > 0 {
            try output.withUnsafeMutableBufferPointer { (out: inout UnsafeMutableBufferPointer<Float>) throws(ModelError) in
                let outBase = out.baseAddress!
                try layout.withInputRows(x, node: name, op: "TreeEnsembleRegressor",
                    float: { (xs) throws(ModelError) in
                        try regress(numbers: layout.floatNumbers, x: xs, rows: rows, columns: columns, out: outBase)
                    },
                    double: { (xs) throws(ModelError) in
                        try regress(numbers: layout.doubleNumbers, x: xs, rows: rows, columns: columns, out: outBase)
                    })
            }
        }
        return [.tensor(Tensor(shape: [rows, targetCount], float32: output))]
    }

    private func regress<T: BinaryFloatingPoint>(
        numbers: TreeEnsembleNumbers<T>, x: UnsafePointer<T>, rows: Int, columns: Int,
        out: UnsafeMutablePointer<Float>
    ) throws(ModelError) {
        let k = targetCount
        let base = baseValues.map { T($0) }
        let origin: T = base.count == 1 ? base[0] : 0
        let useBase = base.count == k
        let treeCount = T(layout.treeCount)
        let accumulation: TreeAccumulation = switch aggregate {
        case .sum, .average: .sum
        case .min: .min
        case .max: .max
        }
        let transform = postTransform
        let aggregate = self.aggregate
        try layout.accumulate(numbers: numbers, x: x, rowCount: rows, columns: columns, targetCount: k,
                              accumulation: accumulation) { first, count, scores, hasScore in
            if k == 1 {
                for r in 0..<count {
                    var v = scores[r]
                    switch aggregate {
                    case .sum: v += origin
                    case .average: v = v / treeCount + origin
                    case .min, .max: v = hasScore[r] != 0 ? v + origin : origin
                    }
                    out[first + r] = transform == .probit ? MLMath.probit(Float(v)) : Float(v)
                }
                return
            }
            for r in 0..<count {
                let rowOut = out + (first + r) * k
                for j in 0..<k {
                    let i = r * k + j
                    var v = scores[i]
                    switch aggregate {
                    case .sum: if useBase { v += base[j] }
                    case .average: v = useBase ? v / treeCount + base[j] : v / treeCount
                    case .min, .max: v = (useBase ? base[j] : 0) + (hasScore[i] != 0 ? v : 0)
                    }
                    rowOut[j] = hasScore[i] != 0 ? Float(v) : 0
                }
                transform.applyToRow(UnsafeMutableBufferPointer(start: rowOut, count: k))
            }
        }
    }
}
