/// `ai.onnx.ml.FeatureVectorizer`: concatenates its inputs column-wise into float [N, Σ inputdimensions].
/// Each input contributes `inputdimensions[i]` columns: extra input columns are dropped and missing
/// ones stay 0, as in onnxruntime.
struct FeatureVectorizerKernel: Kernel {
    let name: String
    let dimensions: [Int]
    let total: Int

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        let dims = try a.ints("inputdimensions")
        guard !dims.contains(where: { $0 < 0 || $0 > Int64(Int32.max) }) else {
            throw a.invalid("inputdimensions must be non-negative")
        }
        dimensions = dims.map { Int($0) }
        total = dimensions.reduce(0, +)
        guard dimensions.count == node.inputs.count else {
            throw a.invalid("\(node.inputs.count) inputs but \(dimensions.count) inputdimensions")
        }
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        guard inputs.count == dimensions.count else {
            throw MLAttributes.runtimeError(name, "FeatureVectorizer", "\(inputs.count) inputs but \(dimensions.count) inputdimensions")
        }
        let first = try MLInput.tensor(inputs, 0, node: name, op: "FeatureVectorizer")
        guard first.rank >= 1 else { throw MLAttributes.runtimeError(name, "FeatureVectorizer", "input 0 has no dimensions") }
        let rows = first.rank == 1 ? 1 : first.shape[0]
        var out = [Float](repeating: 0, count: rows * total)
        var offset = 0
        for (index, width) in dimensions.enumerated() {
            let t = try MLInput.tensor(inputs, index, node: name, op: "FeatureVectorizer")
            guard t.rank >= 1 else { throw MLAttributes.runtimeError(name, "FeatureVectorizer", "input \(index) has no dimensions") }
            let tRows = t.rank == 1 ? 1 : t.shape[0]
            let size = t.rank == 1 ? t.shape[0] : t.shape.dropFirst().reduce(1, *)
            guard tRows == rows else {
                throw MLAttributes.runtimeError(name, "FeatureVectorizer", "input \(index) has \(tRows) rows, input 0 has \(rows)")
            }
            let values = try MLInput.floats(t, node: name, op: "FeatureVectorizer")
            let copied = min(size, width)
            for r in 0..<rows {
                for c in 0..<copied { out[r * total + offset + c] = values[r * size + c] }
            }
            offset += width
        }
        return [.tensor(Tensor(shape: [rows, total], float32: out))]
    }
}
