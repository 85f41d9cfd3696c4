/// Input plumbing shared by the `ai.onnx.ml` kernels.
enum MLInput {
    /// The tensor at `index`, or a runtime error naming the node when it is missing or a map.
    static func tensor(_ inputs: [Value?], _ index: Int, node: String, op: String) throws(ModelError) -> Tensor {
        guard index < inputs.count, let value = inputs[index] else {
            throw MLAttributes.runtimeError(node, op, "missing input \(index)")
        }
        guard case .tensor(let tensor) = value else {
            throw MLAttributes.runtimeError(node, op, "input \(index) must be a tensor, got a sequence of maps")
        }
        return tensor
    }

    /// Rows and columns of a 1-D (one row) or 2-D input, the way onnxruntime's ML ops read them.
    static func matrixShape(_ tensor: Tensor, node: String, op: String) throws(ModelError) -> (rows: Int, columns: Int) {
        switch tensor.rank {
        case 1: return (1, tensor.shape[0])
        case 2: return (tensor.shape[0], tensor.shape[1])
        default:
            throw MLAttributes.runtimeError(node, op, "expected a 1-D or 2-D input, got shape \(tensor.shape)")
        }
    }

    /// The elements of a numeric tensor converted to `Float` (as onnxruntime casts inputs to float).
    static func floats(_ tensor: Tensor, node: String, op: String) throws(ModelError) -> [Float] {
        switch tensor.data {
        case .float32(let v): return v
        case .float64(let v): return v.map { Float($0) }
        case .int64(let v): return v.map { Float($0) }
        case .int32(let v): return v.map { Float($0) }
        case .bool, .string:
            throw MLAttributes.runtimeError(node, op, "unsupported input element type \(tensor.elementType)")
        }
    }
}
