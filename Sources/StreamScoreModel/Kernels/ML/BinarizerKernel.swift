/// `ai.onnx.ml.Binarizer`: 1 where `X > threshold` (default 0.0, the ONNX default), else 0, keeping
/// the input type. A NaN input is an error, as in onnxruntime.
struct BinarizerKernel: Kernel {
    let name: String
    let threshold: Float

    init(_ node: NodeInfo) throws(ModelError) {
        name = node.name
        threshold = try MLAttributes(node).float("threshold", default: 0)
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "Binarizer")
        let t = threshold
        switch x.data {
        case .float32(let v):
            if let i = v.firstIndex(where: { $0.isNaN }) { throw nanError(i) }
            return [.tensor(Tensor(shape: x.shape, float32: v.map { $0 > t ? 1 : 0 }))]
        case .float64(let v):
            if let i = v.firstIndex(where: { $0.isNaN }) { throw nanError(i) }
            return [.tensor(Tensor(shape: x.shape, float64: v.map { $0 > Double(t) ? 1 : 0 }))]
        case .int64(let v):
            return [.tensor(Tensor(shape: x.shape, int64: v.map { Float($0) > t ? 1 : 0 }))]
        case .int32(let v):
            return [.tensor(Tensor(shape: x.shape, int32: v.map { Float($0) > t ? 1 : 0 }))]
        case .bool, .string:
            throw MLAttributes.runtimeError(name, "Binarizer", "unsupported input element type \(x.elementType)")
        }
    }

    private func nanError(_ index: Int) -> ModelError {
        MLAttributes.runtimeError(name, "Binarizer", "input element \(index) is NaN")
    }
}
