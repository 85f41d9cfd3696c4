/// `ai.onnx.ml.ArrayFeatureExtractor`: selects the int64 indices `Y` along the last axis of `X`.
/// The output keeps `X`'s shape with the last dimension replaced by the index count; a 1-D `X`
/// gives shape [1, count] as in onnxruntime.
struct ArrayFeatureExtractorKernel: Kernel {
    let name: String

    init(_ node: NodeInfo) throws(ModelError) {
        name = node.name
        guard node.inputs.count >= 2 else {
            throw MLAttributes(node).invalid("expects two inputs (data and indices), got \(node.inputs.count)")
        }
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "ArrayFeatureExtractor")
        let y = try MLInput.tensor(inputs, 1, node: name, op: "ArrayFeatureExtractor")
        guard x.rank >= 1 else {
            throw MLAttributes.runtimeError(name, "ArrayFeatureExtractor", "X has no dimensions")
        }
        let indices: [Int64]
        switch y.data {
        case .int64(let v): indices = v
        case .int32(let v): indices = v.map(Int64.init)
        default:
            throw MLAttributes.runtimeError(name, "ArrayFeatureExtractor", "indices must be int64, got \(y.elementType)")
        }
        guard !indices.isEmpty else {
            throw MLAttributes.runtimeError(name, "ArrayFeatureExtractor", "no indices given")
        }
        let stride = x.shape[x.rank - 1]
        if let bad = indices.first(where: { $0 < 0 || $0 >= Int64(stride) }) {
            throw MLAttributes.runtimeError(name, "ArrayFeatureExtractor", "index \(bad) is out of range for last dimension \(stride)")
        }
        let picks = indices.map { Int($0) }
        let outer = stride == 0 ? 0 : x.count / stride
        let shape = x.rank == 1 ? [1, picks.count] : Array(x.shape.dropLast()) + [picks.count]
        func gather<E>(_ v: [E]) -> [E] {
            var out: [E] = []
            out.reserveCapacity(outer * picks.count)
            for o in 0..<outer {
                let base = o * stride
                for p in picks { out.append(v[base + p]) }
            }
            return out
        }
        let data: TensorData
        switch x.data {
        case .float32(let v): data = .float32(gather(v))
        case .float64(let v): data = .float64(gather(v))
        case .int64(let v): data = .int64(gather(v))
        case .int32(let v): data = .int32(gather(v))
        case .string(let v): data = .string(gather(v))
        case .bool(let v): data = .bool(gather(v))
        }
        return [.tensor(Tensor(shape: shape, data: data))]
    }
}
