/// `ai.onnx.ml.SVMRegressor`: `Σ coef_v · K(x, sv_v) + rho[0]` (or `x·coef + rho[0]` without support
/// vectors), [N, 1] float; `one_class` maps the result to ±1. Like onnxruntime, `post_transform` is
/// read but not applied.
struct SVMRegressorKernel: Kernel {
    let name: String
    let kernel: SVMKernelFunction
    let vectorCount: Int
    let featureCount: Int
    let supportVectors: [Float]
    let coefficients: [Float]
    let rho: Float
    let oneClass: Bool

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        var kernel = try SVMKernelFunction(a)
        let supports = try a.int("n_supports", default: 0)
        guard supports >= 0, supports < Int64(Int32.max) else { throw a.invalid("invalid n_supports \(supports)") }
        vectorCount = Int(supports)
        supportVectors = try a.floats("support_vectors")
        coefficients = try a.floats("coefficients")
        guard !coefficients.isEmpty else { throw a.invalid("coefficients are required") }
        let rho = try a.floats("rho")
        guard let first = rho.first else { throw a.invalid("rho is required") }
        self.rho = first
        oneClass = try a.int("one_class", default: 0) != 0
        _ = try MLPostTransform(a)
        if vectorCount > 0 {
            guard !supportVectors.isEmpty, supportVectors.count % vectorCount == 0 else {
                throw a.invalid("\(supportVectors.count) support vector values do not split into \(vectorCount) vectors")
            }
            guard coefficients.count >= vectorCount else {
                throw a.invalid("expected \(vectorCount) coefficients, got \(coefficients.count)")
            }
            featureCount = supportVectors.count / vectorCount
        } else {
            featureCount = coefficients.count
            kernel.kind = .linear
        }
        self.kernel = kernel
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "SVMRegressor")
        let (rows, columns) = try MLInput.matrixShape(x, node: name, op: "SVMRegressor")
        guard columns == featureCount else {
            throw MLAttributes.runtimeError(name, "SVMRegressor", "expected \(featureCount) features, got \(columns)")
        }
        let xs = try MLInput.floats(x, node: name, op: "SVMRegressor")
        var out = [Float](repeating: 0, count: rows)
        xs.withUnsafeBufferPointer { xb in
            supportVectors.withUnsafeBufferPointer { sv in
                coefficients.withUnsafeBufferPointer { cb in
                    for r in 0..<rows {
                        let row = xb.baseAddress! + r * columns
                        var y: Float
                        if vectorCount > 0 {
                            var sum: Float = 0
                            for v in 0..<vectorCount {
                                sum += cb[v] * kernel(row, sv.baseAddress! + v * featureCount, count: featureCount)
                            }
                            y = rho + sum
                        } else {
                            y = kernel(row, cb.baseAddress!, count: featureCount) + rho
                        }
                        if oneClass { y = y > 0 ? 1 : -1 }
                        out[r] = y
                    }
                }
            }
        }
        return [.tensor(Tensor(shape: [rows, 1], float32: out))]
    }
}
