/// `ai.onnx.ml.LinearRegressor`: Y = X · coefficientsᵀ + intercepts in single precision, [N, targets].
/// As in onnxruntime, intercepts are used only when there is one per target, and with a single
/// target only PROBIT is applied as post transform.
struct LinearRegressorKernel: Kernel {
    let name: String
    let coefficients: [Float]
    let intercepts: [Float]?
    let targetCount: Int
    let featureCount: Int
    let postTransform: MLPostTransform

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        coefficients = try a.floats("coefficients")
        guard !coefficients.isEmpty else { throw a.invalid("coefficients are required") }
        let targets = try a.int("targets", default: 1)
        guard targets > 0, targets <= Int64(coefficients.count), coefficients.count % Int(targets) == 0 else {
            throw a.invalid("\(coefficients.count) coefficients do not split into \(targets) targets")
        }
        targetCount = Int(targets)
        featureCount = coefficients.count / targetCount
        let intercepts = try a.floats("intercepts")
        self.intercepts = intercepts.count == targetCount ? intercepts : nil
        postTransform = try MLPostTransform(a)
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let (rows, scores) = try LinearScores.compute(inputs, node: name, op: "LinearRegressor", coefficients: coefficients,
                                                      intercepts: intercepts, featureCount: featureCount, outputs: targetCount)
        var out = scores
        let t = targetCount
        out.withUnsafeMutableBufferPointer { ob in
            for r in 0..<rows {
                let rowOut = UnsafeMutableBufferPointer(rebasing: ob[(r * t)..<(r * t + t)])
                if t > 1 {
                    postTransform.applyToRow(rowOut)
                } else if postTransform == .probit {
                    rowOut[0] = MLMath.probit(rowOut[0])
                }
            }
        }
        return [.tensor(Tensor(shape: [rows, t], float32: out))]
    }
}
