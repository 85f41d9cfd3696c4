/// `ai.onnx.ml.Imputer`: replaces `replaced_value_float` (float inputs; NaN matches NaN) or
/// `replaced_value_int64` (integer inputs) with `imputed_value_floats` / `imputed_value_int64s`,
/// one value per feature (second dimension) or a single broadcast value. Output keeps the input type.
struct ImputerKernel: Kernel {
    let name: String
    let imputedFloats: [Float]
    let replacedFloat: Float
    let imputedInts: [Int64]
    let replacedInt: Int64

    init(_ node: NodeInfo) throws(ModelError) {
        let a = MLAttributes(node)
        name = node.name
        imputedFloats = try a.floats("imputed_value_floats")
        imputedInts = try a.ints("imputed_value_int64s")
        guard imputedFloats.isEmpty != imputedInts.isEmpty else {
            throw a.invalid("exactly one of imputed_value_floats and imputed_value_int64s must be given")
        }
        replacedFloat = try a.float("replaced_value_float", default: 0)
        replacedInt = try a.int("replaced_value_int64", default: 0)
    }

    func run(_ inputs: [Value?]) throws(ModelError) -> [Value] {
        let x = try MLInput.tensor(inputs, 0, node: name, op: "Imputer")
        guard x.rank >= 1 else { throw MLAttributes.runtimeError(name, "Imputer", "input has no dimensions") }
        let stride = x.rank == 1 ? x.shape[0] : x.shape[1]
        func missingValues(_ count: Int, _ kind: String) throws(ModelError) {
            if count == 0 {
                throw MLAttributes.runtimeError(name, "Imputer", "\(kind) input but no imputed_value_\(kind)s")
            }
        }
        switch x.data {
        case .float32(let v):
            try missingValues(imputedFloats.count, "float")
            let replaceNaN = replacedFloat.isNaN
            let values = imputedFloats
            let perFeature = values.count == stride
            var out = v
            for i in out.indices where (replaceNaN && out[i].isNaN) || out[i] == replacedFloat {
                out[i] = values[perFeature ? i % stride : 0]
            }
            return [.tensor(Tensor(shape: x.shape, float32: out))]
        case .float64(let v):
            try missingValues(imputedFloats.count, "float")
            let replaced = Double(replacedFloat)
            let perFeature = imputedFloats.count == stride
            var out = v
            for i in out.indices where (replaced.isNaN && out[i].isNaN) || out[i] == replaced {
                out[i] = Double(imputedFloats[perFeature ? i % stride : 0])
            }
            return [.tensor(Tensor(shape: x.shape, float64: out))]
        case .int64(let v):
            try missingValues(imputedInts.count, "int64")
            let perFeature = imputedInts.count == stride
            var out = v
            for i in out.indices where out[i] == replacedInt { out[i] = imputedInts[perFeature ? i % stride : 0] }
            return [.tensor(Tensor(shape: x.shape, int64: out))]
        case .int32(let v):
            try missingValues(imputedInts.count, "int64")
            let perFeature = imputedInts.count == stride
            var out = v
            for i in out.indices where Int64(out[i]) == replacedInt {
                out[i] = Int32(truncatingIfNeeded: imputedInts[perFeature ? i % stride : 0])
            }
            return [.tensor(Tensor(shape: x.shape, int32: out))]
        case .bool, .string:
            throw MLAttributes.runtimeError(name, "Imputer", "unsupported input element type \(x.elementType)")
        }
    }
}
