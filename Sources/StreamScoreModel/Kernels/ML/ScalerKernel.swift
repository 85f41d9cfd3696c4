/// `ai.onnx.ml.Scaler`: `Y = (X − offset) · scale` as float, per column of the second dimension
/// (one value per feature) or broadcast (a single value). Double inputs are computed in double,
/// integer inputs in float, as onnxruntime does.
struct ScalerKernel: Kernel {
    let name: String
    let offset: [Float]
    let scale: [Float]

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        var offset = try a.floats("offset")
        var scale = try a.floats("scale")
        guard !offset.isEmpty || !scale.isEmpty else { throw a.invalid("scale and offset are both missing") }
        if offset.isEmpty { offset = [Float](repeating: 0, count: scale.count) }
        if scale.isEmpty { scale = [Float](repeating: 1, count: offset.count) }
        guard offset.count == scale.count else {
            throw a.invalid("offset has \(offset.count) values but scale has \(scale.count)")
        }
        self.offset = offset
        self.scale = scale
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "Scaler")
        guard x.rank >= 1 else { throw MLAttributes.runtimeError(name, "Scaler", "input has no dimensions") }
        let stride = x.rank == 1 ? x.shape[0] : x.shape[1]
        let perFeature: Bool
        if scale.count == stride {
            perFeature = true
        } else if scale.count == 1 {
            perFeature = false
        } else {
            throw MLAttributes.runtimeError(name, "Scaler",
                "scale/offset have \(scale.count) values; expected 1 or the feature count \(stride)")
        }
        var out = [Float](repeating: 0, count: x.count)
        func column(_ i: Int) -> Int { perFeature ? i % stride : 0 }
        switch x.data {
        case .float32(let v):
            for i in v.indices { out[i] = (v[i] - offset[column(i)]) * scale[column(i)] }
        case .float64(let v):
            for i in v.indices { out[i] = Float((v[i] - Double(offset[column(i)])) * Double(scale[column(i)])) }
        case .int64(let v):
            for i in v.indices { out[i] = (Float(v[i]) - offset[column(i)]) * scale[column(i)] }
        case .int32(let v):
            for i in v.indices { out[i] = (Float(v[i]) - offset[column(i)]) * scale[column(i)] }
        case .bool, .string:
            throw MLAttributes.runtimeError(name, "Scaler", "unsupported input element type \(x.elementType)")
        }
        return [.tensor(Tensor(shape: x.shape, float32: out))]
    }
}
